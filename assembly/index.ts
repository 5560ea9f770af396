export function heap_base(): usize { return __heap_base; }
function add_scalar(a: usize, n: i32): f64 { let s = 0.0; for (let i = 0; i < n; i++) s += load<f64>(a + (<usize>i << 3)); return s; }
function add_simd(a: usize, n: i32): f64 { let s = f64x2.splat(0); for (let i = 0; i < n; i += 2) s = f64x2.add(s, v128.load(a + (<usize>i << 3))); return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1); }
export function sum(a: usize, n: i32): f64 { if (ASC_FEATURE_SIMD) return add_simd(a, n); else return add_scalar(a, n); }
export function mexp(x: f64): f64 { return Math.exp(x); }
