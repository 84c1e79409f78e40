// Every design document we keep, and the database it belongs in.
import catalog from './catalog.js';
import state from './state.js';

export const designDocs = [catalog, state];
