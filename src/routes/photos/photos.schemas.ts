import * as z from "zod";

export const PhotoKeyParamSchema = z.object({
  key: z
    .string()
    .max(200)
    .meta({ description: "The photo's key, as in a signed `photoUrl`.", example: "0193…_0193…_0193….jpg" }),
});

export const SignatureQuerySchema = z.object({
  exp: z.string().max(20).optional().meta({ description: "Expiry (Unix seconds), part of the signed URL." }),
  sig: z.string().max(100).optional().meta({ description: "Signature, part of the signed URL." }),
});
