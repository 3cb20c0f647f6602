/**
 * Text folded for food search, the same way for what is stored (`foods.search_text`) and for the
 * query, so that matching ignores case and accents: lower case; accents removed by decomposing
 * (NFD) and dropping the combining diacritical marks (U+0300..U+036F); then recomposed (NFC), so
 * Hangul, which NFD splits into jamo, is whole syllables again (trigrams of `비빔밥` are of
 * syllables); runs of whitespace become one space.
 *
 * @example
 * foldSearchText("  Crème BRÛLÉE ") // "creme brulee"
 * foldSearchText("비빔밥") // "비빔밥" (NFC, unchanged)
 */
export function foldSearchText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .normalize("NFC")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}
