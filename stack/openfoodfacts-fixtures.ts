// TEST DATA, made up for the local stack: not Open Food Facts' data. Products in the shape of Open
// Food Facts' v2 product JSON (only the fields Sikdan asks for), served by stack/openfoodfacts.ts.

/** A product as OFF's v2 API nests it under `product`. */
export type OffProduct = {
  code: string;
  product_name?: string;
  product_name_ko?: string;
  brands?: string;
  serving_quantity?: number | string;
  nutriments?: Record<string, number | string>;
};

export const FIXTURE_PRODUCTS: OffProduct[] = [
  {
    // A Korean product: the Korean name is preferred over the generic one.
    code: "8801043014830",
    product_name: "Bibimbap cup rice (test data)",
    product_name_ko: "컵반 비빔밥 (테스트 데이터)",
    brands: "Test Foods Korea",
    serving_quantity: 250,
    nutriments: { "energy-kcal_100g": 168, proteins_100g: 4.2, carbohydrates_100g: 30.5, fat_100g: 3.1 },
  },
  {
    // Energy only in kJ (2100 kJ = 501.91 kcal), values as strings, as OFF sometimes sends them.
    code: "4000000000013",
    product_name: "Crème brûlée biscuits (test data)",
    brands: "Testbäckerei",
    serving_quantity: "30",
    nutriments: { "energy-kj_100g": "2100", proteins_100g: "6.5", carbohydrates_100g: "64", fat_100g: "24" },
  },
  {
    // Only the legacy `energy_100g` (kJ) and no serving size.
    code: "96385074",
    product_name: "Dark chocolate 70% (test data)",
    brands: "Test Chocolatier",
    nutriments: { energy_100g: 2385, proteins_100g: 7.8, carbohydrates_100g: 36, fat_100g: 42.6 },
  },
  {
    // Known to OFF but unusable for Sikdan (no name, no energy): answered as not found.
    code: "5000000000012",
    brands: "Test Nameless",
    nutriments: { proteins_100g: 1 },
  },
];

/**
 * GS1 prefixes 200..299 (and 020..029, UPC-A's in-store number system 2) are for in-store use: no
 * real product has them. The stand-in answers every
 * such code with a made-up product (named after the code), so each test and benchmark iteration can
 * look up a product nobody looked up before.
 */
export function generatedProduct(code: string): OffProduct | undefined {
  if (!/^(2\d{12}|02\d{11})$/.test(code)) return undefined;
  const seed = Number(code.slice(-6, -1));
  return {
    code,
    product_name: `Generated test product ${code}`,
    brands: "Sikdan Test Data",
    serving_quantity: 100,
    nutriments: {
      "energy-kcal_100g": seed % 900,
      proteins_100g: seed % 40,
      carbohydrates_100g: seed % 60,
      fat_100g: seed % 30,
    },
  };
}
