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

criterion_group!(inference, benches, cost_rate, bounty_scale);
criterion_main!(inference);
