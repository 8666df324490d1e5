// Review texts go to the model as written, and customers sometimes sign them or leave a number to call back:
// contact details and the reviewer's own name are masked before the prompt is built.

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
// Seven or more digits, possibly broken by spaces, dots, dashes or brackets, with an optional leading +.
const PHONE = /\+?\d(?:[\s().-]*\d){6,}/g;

/** `text` with emails, phone numbers and each of `known` (the reviewer's name, phone, email) masked. */
export function redactContacts(text: string, known: readonly (string | null | undefined)[] = []): string {
  let out = text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
  for (const value of known) {
    const v = value?.trim();
    // One- or two-letter values would mask ordinary words.
    if (!v || [...v].length < 2 || (/^[\x20-\x7e]+$/.test(v) && v.length < 3)) continue;
    out = out.replace(new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu'), '[name]');
  }
  return out;
}
