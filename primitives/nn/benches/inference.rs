//! Throughput in multiply-accumulates per second (criterion reports "elements/s" with one
//! element per MAC): the digits MLP and a 784-128-10 MLP, one input and a whole test set,
//! natively, in wasm (wasmtime, SIMD off) and as a plain f32 loop on the same network.
//!
//! The `cost_rate` group times the cost model's reference and attacker-shaped models
//! (`tests/common/shapes.rs`) in wasm with one element per unit of `Model::cost`: its
//! elements/s is cost units per second, so the shapes' rates against the dense references'
//! say how far time per unit strays from what the chain charges (tests/cost_model.rs bounds the
//! same ratio in wasm operators).
//!
//! The `bounty_scale` group times one evaluator's work on a LeNet-size CNN over 10 000 inputs.
//!
//! `cargo bench -p modelchain-nn --bench inference`

#[path = "../tests/common/shapes.rs"]
mod shapes;
#[path = "../tests/common/wasm.rs"]
mod wasm;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use modelchain_nn::*;
use std::hint::black_box;

/// The same network in f32: dense layers (weights cast from the int8 model) with ReLU.
struct FloatMlp {
	layers: Vec<(usize, Vec<f32>, Vec<f32>)>,
}

impl FloatMlp {
	fn from(model: &Model) -> Self {
		let layers = model
			.layers
			.iter()
			.filter_map(|l| match l {
				Layer::Dense(d) => Some((
					d.in_features as usize,
					d.weights.iter().map(|&w| w as f32 / 64.0).collect(),
					d.bias.iter().map(|&b| b as f32 / 4096.0).collect(),
				)),
				_ => None,
			})
			.collect();
		FloatMlp { layers }
	}

	fn run(&self, x: &[f32]) -> usize {
		let mut cur = x.to_vec();
		let last = self.layers.len() - 1;
		for (i, (n_in, w, b)) in self.layers.iter().enumerate() {
			cur = w
				.chunks_exact(*n_in)
				.zip(b)
				.map(|(row, b)| {
					let y = row.iter().zip(&cur).map(|(w, x)| w * x).sum::<f32>() + b;
					if i < last {
						y.max(0.0)
					} else {
						y
					}
				})
				.collect();
		}
		cur.iter().enumerate().fold(0, |best, (i, v)| if *v > cur[best] { i } else { best })
	}
}

/// splitmix64, so the synthetic network and inputs are the same on every run.
fn rng(seed: &mut u64) -> u64 {
	*seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
	let mut z = *seed;
	z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
	z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
	z ^ (z >> 31)
}

fn mlp_784_128_10() -> Model {
	let mut s = 7u64;
	let mut dense = |n_in: u32, n_out: u32, zp_in: i8| {
		Layer::Dense(Dense {
			in_features: n_in,
			out_features: n_out,
			weights: (0..n_in * n_out).map(|_| rng(&mut s) as i8).collect(),
			bias: (0..n_out).map(|_| (rng(&mut s) % 2001) as i32 - 1000).collect(),
			input_zero_point: zp_in,
			output_zero_point: -128,
			requant: (0..n_out).map(|_| Requant { multiplier: 1 << 30, shift: 45 }).collect(),
		})
	};
	Model {
		input: InputSpec { shape: vec![1, 28, 28], scale: 1, scale_shift: 8, zero_point: -128 },
		layers: vec![Layer::Flatten, dense(784, 128, -128), Layer::Relu { zero_point: -128 }, dense(128, 10, -128)],
		output: OutputKind::Class,
	}
}

fn bench_model(c: &mut Criterion, name: &str, model: &Model, inputs: &[i8], n: usize) {
	let len = model.input_len() as usize;
	let macs = model.validate(&Bounds::default()).unwrap().macs;
	let float = FloatMlp::from(model);
	let float_inputs: Vec<f32> = inputs.iter().map(|&q| (q as f32 + 128.0) / 256.0).collect();
	let blob = model.encode_blob();
	let mut h = wasm::Harness::new();
	// Inputs first: `load` marks the heap, and every call rewinds it to that mark.
	let (ptr, _) = h.put_inputs(inputs);
	assert!(h.load(&blob));
	// The wasm and native answers agree before anything is timed.
	for i in 0..n {
		let x = &inputs[i * len..(i + 1) * len];
		let Output::Class(want) = model.run(x).unwrap() else { unreachable!() };
		assert_eq!(h.infer_at(ptr + (i * len) as u32, len as u32), want);
	}

	let mut g = c.benchmark_group(name);
	g.sample_size(20);
	g.warm_up_time(std::time::Duration::from_millis(500));
	g.measurement_time(std::time::Duration::from_secs(3));
	for (label, count) in [("batch1", 1usize), ("testset", n)] {
		g.throughput(Throughput::Elements(macs * count as u64));
		g.bench_function(BenchmarkId::new("native", label), |b| {
			b.iter(|| {
				let mut sum = 0u32;
				for x in inputs[..count * len].chunks_exact(len) {
					if let Ok(Output::Class(k)) = model.run(black_box(x)) {
						sum = sum.wrapping_add(k);
					}
				}
				sum
			})
		});
		g.bench_function(BenchmarkId::new("wasm", label), |b| {
			b.iter(|| h.infer_many_at(black_box(ptr), (count * len) as u32, count as u32))
		});
		g.bench_function(BenchmarkId::new("f32", label), |b| {
			b.iter(|| {
				let mut sum = 0usize;
				for x in float_inputs[..count * len].chunks_exact(len) {
					sum = sum.wrapping_add(float.run(black_box(x)));
				}
				sum
			})
		});
	}
	g.finish();
}

fn benches(c: &mut Criterion) {
	let digits = Model::decode_blob(include_bytes!("../fixtures/digits_mlp.bin"), &Bounds::default()).unwrap();
	let test = Dataset::decode_blob(include_bytes!("../fixtures/digits_test.bin"), &DatasetBounds::default()).unwrap();
	bench_model(c, "digits_mlp_64_32_10", &digits, &test.inputs, test.samples().unwrap() as usize);

	let big = mlp_784_128_10();
	let mut s = 99u64;
	let n = 256;
	let inputs: Vec<i8> = (0..784 * n).map(|_| rng(&mut s) as i8).collect();
	bench_model(c, "mlp_784_128_10", &big, &inputs, n);

	let layer = dense_256();
	let inputs: Vec<i8> = (0..256 * n).map(|_| rng(&mut s) as i8).collect();
	bench_model(c, "dense_256x256", &layer, &inputs, n);
}

/// One 256x256 dense layer (random weights, per-tensor requantization).
fn dense_256() -> Model {
	let mut s = 13u64;
	Model {
		input: InputSpec { shape: vec![256], scale: 1, scale_shift: 8, zero_point: -128 },
		layers: vec![Layer::Dense(Dense {
			in_features: 256,
			out_features: 256,
			weights: (0..256 * 256).map(|_| rng(&mut s) as i8).collect(),
			bias: (0..256).map(|_| (rng(&mut s) % 2001) as i32 - 1000).collect(),
			input_zero_point: -128,
			output_zero_point: -128,
			requant: vec![Requant { multiplier: 1 << 30, shift: 45 }],
		})],
		output: OutputKind::Class,
	}
}

/// Time per cost unit in wasm of every shape of the cost-model test.
fn cost_rate(c: &mut Criterion) {
	let mut g = c.benchmark_group("cost_rate");
	g.sample_size(10);
	g.warm_up_time(std::time::Duration::from_millis(300));
	g.measurement_time(std::time::Duration::from_secs(2));
	for (name, model) in shapes::cases() {
		let mut s = 5u64;
		let input: Vec<i8> = (0..model.input_len()).map(|_| rng(&mut s) as i8).collect();
		let mut h = wasm::Harness::new();
		let (ptr, len) = h.put_inputs(&input);
		assert!(h.load(&model.encode_blob()));
		g.throughput(Throughput::Elements(model.cost()));
		g.bench_function(name, |b| b.iter(|| h.infer_at(black_box(ptr), len)));
	}
	g.finish();
}

/// A LeNet-5-size CNN on one 28x28 channel: conv 5x5 (1 -> 6, padding 2), ReLU, 2x2 max pool,
/// conv 5x5 (6 -> 16), ReLU, 2x2 max pool, then dense 400 -> 120 -> 84 -> 10 (random weights).
fn lenet() -> Model {
	let mut s = 11u64;
	let mut weights = |n: u32| (0..n).map(|_| (rng(&mut s) % 15) as i8 - 7).collect::<Vec<i8>>();
	let requant = vec![Requant { multiplier: 1 << 30, shift: 38 }];
	let conv = |cin: u32, cout: u32, pad: u32, w: Vec<i8>| {
		Layer::Conv2d(Conv2d {
			in_channels: cin,
			out_channels: cout,
			kernel_h: 5,
			kernel_w: 5,
			stride_h: 1,
			stride_w: 1,
			padding: Padding { top: pad, left: pad, bottom: pad, right: pad },
			weights: w,
			bias: vec![0; cout as usize],
			input_zero_point: -128,
			output_zero_point: -128,
			requant: requant.clone(),
		})
	};
	let dense = |n_in: u32, n_out: u32, w: Vec<i8>| {
		Layer::Dense(Dense {
			in_features: n_in,
			out_features: n_out,
			weights: w,
			bias: vec![0; n_out as usize],
			input_zero_point: -128,
			output_zero_point: -128,
			requant: requant.clone(),
		})
	};
	let pool =
		Layer::MaxPool2d(MaxPool2d { kernel_h: 2, kernel_w: 2, stride_h: 2, stride_w: 2, padding: Padding::default() });
	let relu = Layer::Relu { zero_point: -128 };
	let layers = vec![
		conv(1, 6, 2, weights(6 * 25)),
		relu.clone(),
		pool.clone(),
		conv(6, 16, 0, weights(16 * 6 * 25)),
		relu.clone(),
		pool,
		Layer::Flatten,
		dense(400, 120, weights(400 * 120)),
		relu.clone(),
		dense(120, 84, weights(120 * 84)),
		relu,
		dense(84, 10, weights(840)),
	];
	Model {
		input: InputSpec { shape: vec![1, 28, 28], scale: 1, scale_shift: 8, zero_point: -128 },
		layers,
		output: OutputKind::Class,
	}
}

/// Bounty scale: one evaluator scoring a LeNet-size CNN on 10 000 inputs, natively and in wasm
/// (the engine the off-chain worker runs today). Throughput in multiply-accumulates.
fn bounty_scale(c: &mut Criterion) {
	let model = lenet();
	let summary = model.validate(&Bounds::default()).unwrap();
	let n = 10_000usize;
	let mut s = 5u64;
	let inputs: Vec<i8> = (0..784 * n).map(|_| rng(&mut s) as i8).collect();
	let mut h = wasm::Harness::new();
	let (ptr, _) = h.put_inputs(&inputs);
	assert!(h.load(&model.encode_blob()));
	println!("lenet: {} MACs, cost {} a sample", summary.macs, summary.cost);
	let mut g = c.benchmark_group("bounty_scale");
	g.sample_size(10);
	g.warm_up_time(std::time::Duration::from_millis(100));
	g.measurement_time(std::time::Duration::from_secs(30));
	g.throughput(Throughput::Elements(summary.macs * n as u64));
	g.bench_function("lenet_10000/native", |b| {
		b.iter(|| {
			let mut sum = 0u32;
			for x in inputs.chunks_exact(784) {
				if let Ok(Output::Class(k)) = model.run(black_box(x)) {
					sum = sum.wrapping_add(k);
				}
			}
			sum
		})
	});
	g.bench_function("lenet_10000/wasm", |b| b.iter(|| h.infer_many_at(black_box(ptr), (784 * n) as u32, n as u32)));
	g.finish();
}

/// LeNet in f32 on the same shapes (direct loops, weights cast from the int8 model): the plain
/// float loop the summary compares with.
fn lenet_f32(model: &Model, x: &[f32]) -> usize {
	let mut cur = x.to_vec();
	let (mut c, mut h, mut w) = (1usize, 28usize, 28usize);
	for layer in &model.layers {
		match layer {
			Layer::Conv2d(l) => {
				let (k, pad, oc_n) = (l.kernel_h as usize, l.padding.top as usize, l.out_channels as usize);
				let (oh, ow) = (h + 2 * pad - k + 1, w + 2 * pad - k + 1);
				let mut out = vec![0f32; oc_n * oh * ow];
				for oc in 0..oc_n {
					for oy in 0..oh {
						for ox in 0..ow {
							let mut acc = 0f32;
							for ic in 0..c {
								for ky in 0..k {
									let iy = (oy + ky) as isize - pad as isize;
									if iy < 0 || iy >= h as isize {
										continue;
									}
									for kx in 0..k {
										let ix = (ox + kx) as isize - pad as isize;
										if ix < 0 || ix >= w as isize {
											continue;
										}
										let wv = l.weights[((oc * c + ic) * k + ky) * k + kx] as f32;
										acc += wv * cur[(ic * h + iy as usize) * w + ix as usize];
									}
								}
							}
							out[(oc * oh + oy) * ow + ox] = acc / 64.0;
						}
					}
				}
				(cur, c, h, w) = (out, oc_n, oh, ow);
			}
			Layer::MaxPool2d(_) => {
				let (oh, ow) = (h / 2, w / 2);
				let mut out = vec![0f32; c * oh * ow];
				for ch in 0..c {
					for oy in 0..oh {
						for ox in 0..ow {
							let at = |y: usize, x: usize| cur[(ch * h + 2 * oy + y) * w + 2 * ox + x];
							out[(ch * oh + oy) * ow + ox] = at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
						}
					}
				}
				(cur, h, w) = (out, oh, ow);
			}
			Layer::Relu { .. } => cur.iter_mut().for_each(|v| *v = v.max(0.0)),
			Layer::Dense(d) => {
				let n = d.in_features as usize;
				cur = d
					.weights
					.chunks_exact(n)
					.map(|row| row.iter().zip(&cur).map(|(&w, x)| w as f32 * x).sum())
					.collect();
			}
			_ => {}
		}
	}
	cur.iter().enumerate().fold(0, |best, (i, v)| if *v > cur[best] { i } else { best })
}

/// The hardware's int8 multiply-accumulate peak: independent chains of the widest dot
/// instruction this CPU has, on registers only (no GEMM can beat it).
#[cfg(target_arch = "x86_64")]
mod peak {
	use std::arch::x86_64::*;

	/// Eight `vpdpbusd` chains: 8 x 64 multiply-accumulates an iteration.
	#[target_feature(enable = "avx512f,avx512vnni")]
	pub fn vnni(iters: u64, seed: i32) -> i32 {
		let (a, b) = (_mm512_set1_epi32(seed), _mm512_set1_epi32(seed ^ 0x0101_0101));
		let mut acc = [_mm512_setzero_si512(); 8];
		for _ in 0..iters {
			for v in acc.iter_mut() {
				*v = _mm512_dpbusd_epi32(*v, a, b);
			}
		}
		acc.iter().fold(0, |s, v| s.wrapping_add(_mm512_reduce_add_epi32(*v)))
	}

	/// Eight `vpmaddwd` + `vpaddd` chains: 8 x 16 multiply-accumulates an iteration.
	#[target_feature(enable = "avx2")]
	pub fn avx2(iters: u64, seed: i32) -> i32 {
		let (a, b) = (_mm256_set1_epi32(seed), _mm256_set1_epi32(seed ^ 0x0101_0101));
		let mut acc = [_mm256_setzero_si256(); 8];
		for _ in 0..iters {
			for v in acc.iter_mut() {
				*v = _mm256_add_epi32(*v, _mm256_madd_epi16(a, b));
			}
		}
		let mut out = [0i32; 64];
		for (i, v) in acc.iter().enumerate() {
			// SAFETY: 8 lanes into 8 elements of `out`.
			unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(8 * i).cast(), *v) };
		}
		out.iter().fold(0, |s, v| s.wrapping_add(*v))
	}

	/// The instruction's name, the multiply-accumulates of one call of `f(1 << 16)`, and `f`.
	pub type Peak = (&'static str, u64, fn(u64) -> i32);

	pub fn best() -> Option<Peak> {
		const ITERS: u64 = 1 << 16;
		if is_x86_feature_detected!("avx512vnni") && is_x86_feature_detected!("avx512f") {
			// SAFETY: the features are present.
			Some(("avx512-vnni vpdpbusd", ITERS * 512, |n| unsafe { vnni(std::hint::black_box(n), 0x0102_0304) }))
		} else if is_x86_feature_detected!("avx2") {
			// SAFETY: the feature is present.
			Some(("avx2 vpmaddwd", ITERS * 128, |n| unsafe { avx2(std::hint::black_box(n), 0x0102_0304) }))
		} else {
			None
		}
	}
}

/// Multiply-accumulates per second of `f` (`macs` a call): the median of 11 samples of at
/// least 50 ms each.
fn rate(macs: u64, mut f: impl FnMut()) -> f64 {
	let start = std::time::Instant::now();
	f();
	let once = start.elapsed().as_secs_f64().max(1e-9);
	let calls = ((0.05 / once).ceil() as u64).max(1);
	let mut samples: Vec<f64> = (0..11)
		.map(|_| {
			let t = std::time::Instant::now();
			for _ in 0..calls {
				f();
			}
			(macs * calls) as f64 / t.elapsed().as_secs_f64()
		})
		.collect();
	samples.sort_by(|a, b| a.total_cmp(b));
	samples[5]
}

/// The summary the engine's README quotes: each workload's rate natively, in wasm and as a
/// plain f32 loop, with its ratio to that loop and to the int8 ceilings measured in this run
/// (the CPU's dot-instruction peak natively; a plain int8 GEMM in the same scalar wasm).
fn summary(_: &mut Criterion) {
	let mut h = wasm::Harness::new();
	let n = 192u32;
	let wasm_ceiling = rate(u64::from(n).pow(3), || {
		black_box(h.gemm_ceiling(black_box(n)));
	});
	#[cfg(target_arch = "x86_64")]
	let native_ceiling = peak::best().map(|(name, macs, f)| {
		(
			name,
			rate(macs, || {
				black_box(f(1 << 16));
			}),
		)
	});
	#[cfg(not(target_arch = "x86_64"))]
	let native_ceiling: Option<(&str, f64)> = None;
	let g = |r: f64| r / 1e9;
	println!("\nkernel: {}", modelchain_nn::dot::kernel());
	if let Some((name, r)) = native_ceiling {
		println!("native int8 ceiling ({name}, registers only): {:.1} G MAC/s", g(r));
	}
	println!("wasm int8 ceiling (plain {n}x{n} GEMM, scalar wasm): {:.2} G MAC/s", g(wasm_ceiling));
	println!(
		"{:<22} {:>9} {:>9} {:>9} {:>11} {:>11} {:>13} {:>11}",
		"G MAC/s", "native", "wasm", "f32", "native/f32", "wasm/f32", "native/ceil", "wasm/ceil"
	);
	let digits = Model::decode_blob(include_bytes!("../fixtures/digits_mlp.bin"), &Bounds::default()).unwrap();
	let lenet = lenet();
	let mut s = 21u64;
	for (name, model, n) in
		[("digits MLP 64-32-10", digits, 64usize), ("dense 256x256", dense_256(), 64), ("LeNet-5 CNN 28x28", lenet, 16)]
	{
		let len = model.input_len() as usize;
		let macs = model.validate(&Bounds::default()).unwrap().macs * n as u64;
		let inputs: Vec<i8> = (0..len * n).map(|_| rng(&mut s) as i8).collect();
		let floats: Vec<f32> = inputs.iter().map(|&q| (q as f32 + 128.0) / 256.0).collect();
		let mut h = wasm::Harness::new();
		let (ptr, _) = h.put_inputs(&inputs);
		assert!(h.load(&model.encode_blob()));
		let native = rate(macs, || {
			for x in inputs.chunks_exact(len) {
				black_box(model.run(black_box(x)).ok());
			}
		});
		let in_wasm = rate(macs, || {
			black_box(h.infer_many_at(black_box(ptr), (len * n) as u32, n as u32));
		});
		let float_mlp = FloatMlp::from(&model);
		let float = rate(macs, || {
			for x in floats.chunks_exact(len) {
				black_box(if name.starts_with("LeNet") {
					lenet_f32(&model, black_box(x))
				} else {
					float_mlp.run(black_box(x))
				});
			}
		});
		let ceil = native_ceiling.map(|(_, r)| format!("{:.2}", native / r)).unwrap_or_else(|| "-".into());
		println!(
			"{name:<22} {:>9.2} {:>9.2} {:>9.2} {:>11.2} {:>11.2} {ceil:>13} {:>11.2}",
			g(native),
			g(in_wasm),
			g(float),
			native / float,
			in_wasm / float,
			in_wasm / wasm_ceiling
		);
	}
}

criterion_group!(inference, benches, cost_rate, bounty_scale, summary);
criterion_main!(inference);
