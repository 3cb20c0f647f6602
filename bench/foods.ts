// Foods for the rows of logs built from items: three Open Food Facts products, inserted with SQL
// (the catalogue's barcode lookup would fetch them from Open Food Facts; the bench measures the
// log write, not the provider). Returns their ids.
import { randomUUID } from "node:crypto";
import pg from "pg";

const PRODUCTS = [
  { name: "Cooked white rice", calories: 130, proteinG: 2.7, carbsG: 28.2, fatG: 0.3 },
  { name: "Kimchi", calories: 15, proteinG: 1.1, carbsG: 2.4, fatG: 0.5 },
  { name: "Fried egg", calories: 196, proteinG: 13.6, carbsG: 0.8, fatG: 15 },
];

export async function seedFoods(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const ids: string[] = [];
    for (const food of PRODUCTS) {
      const id = randomUUID();
      await client.query(
        `insert into foods (id, source, name, barcode, calories_per_100g, protein_g_per_100g,
                            carbs_g_per_100g, fat_g_per_100g, search_text)
         values ($1, 'openfoodfacts', $2, $3, $4, $5, $6, $7, lower($2))`,
        [
          id,
          food.name,
          id.replaceAll("-", "").slice(0, 13),
          food.calories,
          food.proteinG,
          food.carbsG,
          food.fatG,
        ],
      );
      ids.push(id);
    }
    return ids;
  } finally {
    await client.end();
  }
}
