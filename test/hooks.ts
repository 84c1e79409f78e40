// Mocha root hooks: one CouchDB for the whole run.
import { endRun, startRun } from './harness.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60000);
    await startRun();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60000);
    await endRun();
  },
};
