export * from "zod";
export { z, z as default } from "zod";
