import * as z from "zod";
import { UserSchema } from "../users/users.schemas";

export const EmailSchema = z
  .string()
  .trim()
  .pipe(z.email().max(254))
  .meta({ description: "Trimmed; compared case-insensitively.", example: "kim@example.com" });

export const AuthResultSchema = z
  .object({
    user: UserSchema,
    accessToken: z
      .string()
      .meta({ description: "JWT for `Authorization: Bearer` (also set as the `access_token` cookie)." }),
    refreshToken: z
      .string()
      .meta({ description: "Opaque; also set as the `refresh_token` cookie (path /v1/auth)." }),
    expiresIn: z
      .number()
      .int()
      .meta({ description: "Seconds until the access token expires.", example: 900 }),
  })
  .meta({ id: "AuthResult" });

export const RefreshTokenBodySchema = z.strictObject({ refreshToken: z.string().max(200).optional() });
