/**
 * Retail barcodes (GS1 GTINs) the API looks products up by: EAN-8, UPC-A (12 digits) and EAN-13,
 * each with its check digit. A UPC-A is the EAN-13 with a leading 0, so it is stored and looked up
 * in that form: one product, one row, whichever way it was scanned.
 */

/** Whether the last digit is the GS1 check digit of the others (weights 3,1,3,… from the right). */
function hasValidCheckDigit(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 2, weight = 3; i >= 0; i--, weight = 4 - weight)
    sum += Number(digits[i]) * weight;
  return (10 - (sum % 10)) % 10 === Number(digits.at(-1));
}

/** Why `code` is not a barcode the API accepts, or undefined when it is. */
export function barcodeProblem(code: string): string | undefined {
  if (!/^(\d{8}|\d{12}|\d{13})$/.test(code))
    return "must be an EAN-8, UPC-A or EAN-13 barcode (8, 12 or 13 digits)";
  return hasValidCheckDigit(code) ? undefined : "has a wrong check digit";
}

/** The stored form of a valid barcode: a UPC-A as its EAN-13. */
export const canonicalBarcode = (code: string) => (code.length === 12 ? `0${code}` : code);
