// What test/global-setup.ts hands to the suites (and to vitest.config.ts's Worker bindings).
declare module "vitest" {
  export interface ProvidedContext {
    neonHttpUrl: string;
    neonControlUrl: string;
    upstashUrl: string;
    upstashToken: string;
    upstashControlUrl: string;
    openFoodFactsUrl: string;
    openFoodFactsControlUrl: string;
    embedded: { postgres: boolean; redis: boolean };
  }
}

export {};
