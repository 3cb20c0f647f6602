import { neon, neonConfig } from "@neondatabase/serverless";
import { describe, expect, inject, it } from "vitest";

// The local Neon endpoint is what every database call of the Worker goes through in dev and tests,
// so its protocol is tested here with the production driver and with raw requests.
const endpoint = inject("neonHttpUrl");
const connectionString = "postgres://sikdan:sikdan@db.sikdan.localhost/sikdan";
neonConfig.fetchEndpoint = endpoint;
const sql = neon(connectionString);
const table = `stack_t_${crypto.randomUUID().replaceAll("-", "")}`;

const rawQuery = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Neon-Connection-String": connectionString, ...headers },
    body: JSON.stringify(body),
  });

describe("Neon HTTP /sql", () => {
  it("round-trips parameters and types through the driver", async () => {
    const [row] = await sql.query(
      `select $1::timestamptz as ts, $2::numeric as num, $3::jsonb as doc, $4::text[] as tags,
              $5::int as nothing, 9007199254740993::bigint as big, true as yes, $6::uuid as id, $7::text as txt`,
      [
        "2026-11-26T08:30:00+09:00",
        "12345.678901234567890",
        JSON.stringify({ a: [1, "식단"], b: null }),
        ["vegetable", "홈메이드", "with,comma", 'quote"d'],
        null,
        "0192f0c3-7a52-7b6c-9b1e-2f1e5c1d3a4b",
        "emoji 🍚 and 'quotes'",
      ],
    );
    expect(row?.ts).toEqual(new Date("2026-11-25T23:30:00Z"));
    expect(row?.num).toBe("12345.678901234567890");
    expect(row?.doc).toEqual({ a: [1, "식단"], b: null });
    expect(row?.tags).toEqual(["vegetable", "홈메이드", "with,comma", 'quote"d']);
    expect(row?.nothing).toBeNull();
    expect(row?.big).toBe("9007199254740993");
    expect(row?.yes).toBe(true);
    expect(row?.id).toBe("0192f0c3-7a52-7b6c-9b1e-2f1e5c1d3a4b");
    expect(row?.txt).toBe("emoji 🍚 and 'quotes'");
  });

  it("answers in Neon's shape: fields, rows as text arrays, command, rowCount", async () => {
    const response = await rawQuery(
      { query: "select 1 as one, null::text as none, now() as at", params: [] },
      {
        "Neon-Raw-Text-Output": "true",
        "Neon-Array-Mode": "true",
      },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.command).toBe("SELECT");
    expect(body.rowCount).toBe(1);
    expect(body.fields.map((field: { name: string }) => field.name)).toEqual(["one", "none", "at"]);
    expect(body.fields[0].dataTypeID).toBe(23);
    expect(body.rows[0][0]).toBe("1");
    expect(body.rows[0][1]).toBeNull();
    expect(body.rows[0][2]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+\+00$/);
  });

  it("answers a Postgres error as HTTP 400 with its code and detail", async () => {
    await sql.query(`create table ${table} (id int primary key, note text not null)`);
    await sql.query(`insert into ${table} values (1, 'one')`);
    const response = await rawQuery({ query: `insert into ${table} values ($1, $2)`, params: ["1", "dup"] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.code).toBe("23505");
    expect(body.message).toContain("duplicate key");
    expect(body.detail).toContain("(id)=(1)");
    await expect(sql.query(`select * from ${table} where id = $1::int`, ["x"])).rejects.toMatchObject({
      name: "NeonDbError",
      code: "22P02",
    });
  });

  it("runs a batch in one transaction: all or nothing", async () => {
    const results = await sql.transaction([
      sql.query(`insert into ${table} values (2, 'two')`),
      sql.query(`insert into ${table} values (3, 'three') returning id`),
    ]);
    expect(results[1]).toEqual([{ id: 3 }]);

    await expect(
      sql.transaction([
        sql.query(`insert into ${table} values (4, 'four')`),
        sql.query(`update ${table} set note = 'changed' where id = 1`),
        sql.query(`insert into ${table} values (5, null)`),
      ]),
    ).rejects.toMatchObject({ code: "23502" });
    const rows = await sql.query(`select id, note from ${table} order by id`);
    expect(rows).toEqual([
      { id: 1, note: "one" },
      { id: 2, note: "two" },
      { id: 3, note: "three" },
    ]);
  });

  it("honours the batch isolation level and read-only flag", async () => {
    await expect(
      sql.transaction([sql.query(`insert into ${table} values (6, 'six')`)], { readOnly: true }),
    ).rejects.toMatchObject({ code: "25006" });
    const [[level]] = (await sql.transaction([sql.query("show transaction_isolation")], {
      isolationLevel: "Serializable",
    })) as unknown as [[{ transaction_isolation: string }]];
    expect(level?.transaction_isolation).toBe("serializable");
  });
});
