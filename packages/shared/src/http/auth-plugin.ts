import { Elysia } from "elysia";
import { type Principal, type Role, requireRole, type TokenVerifier } from "../auth";

/** The plugin's type as Elysia infers a macro's context: from a `resolve`, which gives `principal`. */
const typed = () =>
  new Elysia({ name: "auth" }).macro({
    auth: (_roles: readonly Role[]) => ({ resolve: () => ({ principal: {} as Principal }) }),
  });

/**
 * `{ auth: [roles] }` on a route: verifies the bearer token and the role in the
 * transform phase, which Elysia runs before validation, so an anonymous caller
 * hears 401 rather than learning the body schema. The handler gets `principal`.
 *
 * One hook: Elysia merges what a transform returns into the context, so `principal`
 * is there without a resolve hook (run after validation) and a map to hand it over.
 * Elysia types a macro's context only from a resolve, hence the cast to `typed`.
 */
export function authPlugin(verify: TokenVerifier): ReturnType<typeof typed> {
  return new Elysia({ name: "auth" }).macro({
    auth: (roles: readonly Role[]) => ({
      async transform({ request }: { request: Request }) {
        const principal = await verify(request.headers.get("authorization"));
        requireRole(principal, roles);
        return { principal } as unknown as undefined;
      },
    }),
  }) as unknown as ReturnType<typeof typed>;
}
