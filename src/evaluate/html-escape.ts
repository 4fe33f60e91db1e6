/**
 * Escapes text for HTML element content and quoted attribute values. Every
 * string that reaches the report (file names, model id, rule names) passes
 * through here: file names are user-controlled.
 */
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
