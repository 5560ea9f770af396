import { sum } from "../index";
describe("smoke", () => {
  it("sums", () => {
    const p = heap.alloc(64);
    for (let i = 0; i < 8; i++) store<f64>(p + (<usize>i << 3), <f64>i);
    expect(sum(p, 8)).toBe(28.0);
  });
});
