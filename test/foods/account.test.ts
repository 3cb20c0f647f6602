import { describe, expect, it } from "vitest";
import { createFood, FIXTURES, getFood, lookupBarcode } from "../helpers/foods";
import { callJson, expectProblem } from "../helpers/http";
import { signUp } from "../helpers/users";

const exportOf = async (token: string) => {
  const { status, body } = await callJson("/v1/users/me/export", { token });
  expect(status).toBe(200);
  return body as { foods: { id: string; name: string }[] };
};

describe("the account's custom foods", () => {
  it("are in the export (the caller's own only, not shared products)", async () => {
    const account = await signUp();
    const other = await signUp();
    const mine = [
      await createFood(account.accessToken, { name: "Kimbap" }),
      await createFood(account.accessToken, { name: "Mandu" }),
    ];
    await createFood(other.accessToken, { name: "Not mine" });
    await lookupBarcode(account.accessToken, FIXTURES.korean);
    const { foods } = await exportOf(account.accessToken);
    expect(foods).toEqual(mine);
  });

  it("go with the account: after DELETE /v1/users/me nobody can read or export them", async () => {
    const account = await signUp();
    const food = await createFood(account.accessToken, { name: "Secret recipe" });
    const deleted = await callJson("/v1/users/me", {
      method: "DELETE",
      token: account.accessToken,
      body: { password: account.password },
    });
    expect(deleted.status).toBe(204);
    // A new account under the same email is another user: the old foods are not theirs.
    const again = await signUp({ email: account.email });
    await expectProblem((await getFood(again.accessToken, food.id)).response, 404);
    expect((await exportOf(again.accessToken)).foods).toEqual([]);
    await expectProblem((await getFood(account.accessToken, food.id)).response, 401);
  });
});
