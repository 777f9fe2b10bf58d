/** Replace what XML 1.0 forbids outright (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F). */
function stripInvalidXml(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    const bad =
      (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) ||
      (c >= 0xd800 && c <= 0xdfff) ||
      c === 0xfffe ||
      c === 0xffff;
    out += bad ? '\uFFFD' : ch;
  }
  return out;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML or XML content and double- or single-quoted attributes. */
export function escapeMarkup(s: string): string {
  return stripInvalidXml(s).replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}

/** Escape for an XML attribute: also keep newlines and tabs, which parsers would normalise to spaces. */
export function escapeXmlAttr(s: string): string {
  return escapeMarkup(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
