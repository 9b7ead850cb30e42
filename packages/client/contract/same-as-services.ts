/**
 * Compile-time proof, checked by `bun run typecheck`, that what src/error-codes.ts writes out is
 * exactly what the services define: a code added to, or dropped from, either service's closed set
 * fails here. (The route types are checked against the OpenAPI documents by codegen/api-types.test.ts.)
 */
import type { ErrorCode as DiscountErrorCode } from "@matchday/discount/errors";
import type { FieldIssue as SharedFieldIssue } from "@matchday/shared/errors";
import type { ErrorCode as WalletErrorCode } from "@matchday/wallet/errors";
import type { ErrorCode, FieldIssue } from "../src/error-codes";

/** true only when A and B are the same type, not merely assignable one way. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const errorCodesAreTheServices: Same<ErrorCode, DiscountErrorCode | WalletErrorCode> = true;
export const fieldIssuesAreTheServices: Same<FieldIssue, SharedFieldIssue> = true;
