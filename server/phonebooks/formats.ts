// The remote-phonebook file formats vendors document, each a few lines over the same entries. A
// profile names its format (data); a format is never code chosen by data beyond this table's keys.
import { splitName, type PhonebookEntry } from './entries.js';

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xmlText = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITY[c]);
const el = (name: string, text: string) => `<${name}>${xmlText(text)}</${name}>`;
const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

type Writer = (entries: PhonebookEntry[], title: string) => string;

export const PHONEBOOK_FORMATS: Record<string, Writer> = {
  // Yealink remote phone book: <YealinkIPPhoneDirectory> of <DirectoryEntry> with <Name> and <Telephone>.
  yealink: (entries, title) => [DECL, '<YealinkIPPhoneDirectory>', el('Title', title),
    ...entries.map((e) => `<DirectoryEntry>${el('Name', e.name)}${el('Telephone', e.number)}</DirectoryEntry>`),
    '</YealinkIPPhoneDirectory>', ''].join('\n'),
  // snom <tbook complete="true">: complete replaces the phone's list; index unique per item.
  snom_tbook: (entries) => [DECL, '<tbook complete="true">',
    ...entries.map((e, i) => `<item context="active" type="none" index="${i}">${el('name', e.name)}${el('number', e.number)}</item>`),
    '</tbook>', ''].join('\n'),
  // Grandstream XML phonebook: <AddressBook> of <Contact> with LastName, FirstName, Phone/phonenumber + accountindex.
  grandstream: (entries) => [DECL, '<AddressBook>',
    ...entries.map((e) => {
      const { first, last } = splitName(e.name);
      return `<Contact>${el('LastName', last)}${el('FirstName', first)}<Phone>${el('phonenumber', e.number)}${el('accountindex', '0')}</Phone></Contact>`;
    }),
    '</AddressBook>', ''].join('\n'),
  // Cisco CiscoIPPhoneDirectory (IP Phone Services Application Development Notes): Title, Prompt, then
  // <DirectoryEntry> with <Name> and <Telephone>.
  cisco_directory: (entries, title) => [DECL, '<CiscoIPPhoneDirectory>', el('Title', title), el('Prompt', 'Select an entry'),
    ...entries.map((e) => `<DirectoryEntry>${el('Name', e.name)}${el('Telephone', e.number)}</DirectoryEntry>`),
    '</CiscoIPPhoneDirectory>', ''].join('\n'),
  // Aastra/Mitel Directory List: one "name, number" per line; a field holding a comma, '#' or quote is
  // quoted (the admin guide's "manny, jr" example), '#' starting a line is a comment.
  aastra_directory: (entries) => entries.map((e) => {
    const field = (s: string) => { const v = s.replace(/[\r\n"]+/g, ' ').trim(); return /[,#]/.test(v) ? `"${v}"` : v; };
    return `${field(e.name)}, ${field(e.number)}\n`;
  }).join(''),
};

export const PHONEBOOK_FORMAT_NAMES = Object.keys(PHONEBOOK_FORMATS);
