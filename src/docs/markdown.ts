/** Text made safe for one markdown table cell. */
export const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
