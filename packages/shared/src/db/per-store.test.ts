import { expect, test } from "bun:test";
import { perStore } from "./per-store";

test("each store gets its own value, built once however often it is asked for", () => {
  const built: string[] = [];
  const nameOf = perStore((store: { name: string }) => {
    built.push(store.name);
    return `prepared for ${store.name}`;
  });
  const a = { name: "a" };
  const b = { name: "b" };
  expect([nameOf(a), nameOf(b), nameOf(a), nameOf(b)]).toEqual([
    "prepared for a",
    "prepared for b",
    "prepared for a",
    "prepared for b",
  ]);
  expect(built).toEqual(["a", "b"]);
});
