import { Elysia } from "elysia";
import { type Principal, type Role, requireRole, type TokenVerifier } from "../auth";

const principals = new WeakMap<Request, Principal>();

/**
 * `{ auth: [roles] }` on a route: verifies the bearer token and the role in the
 * transform phase, which Elysia runs before validation, so an anonymous caller
 * hears 401 rather than learning the body schema. The handler gets `principal`.
 */
export function authPlugin(verify: TokenVerifier) {
  return new Elysia({ name: "auth" }).macro({
    auth: (roles: readonly Role[]) => ({
      async transform({ request }: { request: Request }) {
        const principal = await verify(request.headers.get("authorization"));
        requireRole(principal, roles);
        principals.set(request, principal);
      },
      resolve({ request }: { request: Request }) {
        // transform has run and stored it, or thrown.
        return { principal: principals.get(request) as Principal };
      },
    }),
  });
}
