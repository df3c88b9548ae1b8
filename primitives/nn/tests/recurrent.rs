//! The LSTM and GRU layers against a float reference of ONNX's definitions (gate order,
//! GRU `linear_before_reset = 1`), with power-of-two scales so the quantized parameters are
//! exactly the float ones: what remains is the engine's table activations and 8-bit hidden
//! state, which must stay within a few hidden-state steps of the real values.

mod common;

use common::gen::Rng;
use modelchain_nn::*;

const X_SCALE: f64 = 1.0 / 16.0; // input: q / 16
const W_SCALE: f64 = 1.0 / 64.0; // weights: q / 64
const H_SCALE: f64 = 1.0 / 128.0; // hidden state, fixed by the format

fn sigmoid(x: f64) -> f64 {
	1.0 / (1.0 + (-x).exp())
}

/// A random layer with weights in about [-1, 1], biases in about [-0.5, 0.5].
fn layer(r: &mut Rng, gates: u32, f: u32, h: u32, sequence: bool) -> Recurrent {
	let rows = gates * h;
	let small = |r: &mut Rng, n: u32| (0..n).map(|_| r.range(0, 128) as i8 - 64).collect::<Vec<i8>>();
	Recurrent {
		input_size: f,
		hidden_size: h,
		sequence,
		input_weights: small(r, rows * f),
		hidden_weights: small(r, rows * h),
		// Accumulator scales: input 2^-10, hidden 2^-13.
		input_bias: (0..rows).map(|_| r.range(0, 1024) as i32 - 512).collect(),
		hidden_bias: (0..rows).map(|_| r.range(0, 8192) as i32 - 4096).collect(),
		input_zero_point: 3,
		// To Q12: times 4 and times 1/2.
		input_requant: vec![Requant { multiplier: 1 << 30, shift: 28 }],
		hidden_requant: vec![Requant { multiplier: 1 << 30, shift: 31 }],
	}
}

/// The real-valued gate rows: `(input part with its bias, hidden part with its bias)`.
fn parts(l: &Recurrent, x: &[f64], h: &[f64]) -> Vec<(f64, f64)> {
	let (f, n) = (l.input_size as usize, l.hidden_size as usize);
	(0..l.input_bias.len())
		.map(|row| {
			let wx: f64 = (0..f).map(|i| l.input_weights[row * f + i] as f64 * W_SCALE * x[i]).sum();
			let wh: f64 = (0..n).map(|i| l.hidden_weights[row * n + i] as f64 * W_SCALE * h[i]).sum();
			(wx + l.input_bias[row] as f64 * X_SCALE * W_SCALE, wh + l.hidden_bias[row] as f64 * H_SCALE * W_SCALE)
		})
		.collect()
}

/// Every hidden state, in float.
fn reference(lstm: bool, l: &Recurrent, xs: &[Vec<f64>]) -> Vec<Vec<f64>> {
	let n = l.hidden_size as usize;
	let (mut h, mut c) = (vec![0.0; n], vec![0.0; n]);
	let mut all = Vec::new();
	for x in xs {
		let p = parts(l, x, &h);
		let g = |block: usize, j: usize| p[block * n + j];
		h = (0..n)
			.map(|j| {
				if lstm {
					let sum = |b: usize| g(b, j).0 + g(b, j).1;
					let (i, o, f, cand) = (sigmoid(sum(0)), sigmoid(sum(1)), sigmoid(sum(2)), sum(3).tanh());
					c[j] = f * c[j] + i * cand;
					o * c[j].tanh()
				} else {
					let z = sigmoid(g(0, j).0 + g(0, j).1);
					let r = sigmoid(g(1, j).0 + g(1, j).1);
					let cand = (g(2, j).0 + r * g(2, j).1).tanh();
					(1.0 - z) * cand + z * h[j]
				}
			})
			.collect();
		all.push(h.clone());
	}
	all
}

#[test]
fn lstm_and_gru_follow_the_float_definitions() {
	let mut worst = [0f64; 2];
	for seed in 0..200u64 {
		let r = &mut Rng(seed);
		let lstm = seed % 2 == 0;
		let (steps, f, h) = (r.range(1, 24), r.range(1, 6), r.range(1, 8));
		let l = layer(r, if lstm { 4 } else { 3 }, f, h, true);
		let q: Vec<i8> = (0..steps * f).map(|_| r.range(0, 96) as i8 - 45).collect();
		let xs: Vec<Vec<f64>> =
			q.chunks(f as usize).map(|s| s.iter().map(|&v| (v as f64 - 3.0) * X_SCALE).collect()).collect();
		let expected = reference(lstm, &l, &xs);
		let layer = if lstm { Layer::Lstm(l.clone()) } else { Layer::Gru(l.clone()) };
		let m = Model {
			input: InputSpec { shape: vec![steps, f], scale: 1, scale_shift: 4, zero_point: 3 },
			layers: vec![layer],
			output: OutputKind::Class,
		};
		let out = m.run_raw(&q).unwrap();
		assert_eq!(out.len(), (steps * h) as usize);
		for (t, (got, want)) in out.chunks(h as usize).zip(&expected).enumerate() {
			for (&g, &w) in got.iter().zip(want) {
				let err = (g as f64 * H_SCALE - w).abs();
				worst[lstm as usize] = worst[lstm as usize].max(err);
				assert!(err < 4.0 * H_SCALE, "seed {seed} step {t}: engine {} float {w}", g as f64 * H_SCALE);
			}
		}
		// The last-state form is the sequence form's last row.
		let mut last = m.clone();
		if let Layer::Lstm(l) | Layer::Gru(l) = &mut last.layers[0] {
			l.sequence = false;
		}
		assert_eq!(last.run_raw(&q).unwrap(), out[out.len() - h as usize..]);
	}
	println!("worst error in hidden-state steps: GRU {:.2}, LSTM {:.2}", worst[0] / H_SCALE, worst[1] / H_SCALE);
}

#[test]
fn recurrent_shapes_are_checked() {
	let r = &mut Rng(1);
	let l = layer(r, 4, 3, 2, false);
	let on = |shape: Vec<u32>, layer: Layer| {
		Model {
			input: InputSpec { shape, scale: 1, scale_shift: 0, zero_point: 0 },
			layers: vec![layer],
			output: OutputKind::Class,
		}
		.validate(&Bounds::unbounded())
	};
	assert!(on(vec![5, 3], Layer::Lstm(l.clone())).is_ok());
	// Not a sequence, wrong feature count, wrong gate count.
	assert_eq!(on(vec![15], Layer::Lstm(l.clone())), Err(Error::InvalidRank { layer: 0 }));
	assert_eq!(on(vec![1, 5, 3], Layer::Lstm(l.clone())), Err(Error::InvalidRank { layer: 0 }));
	assert_eq!(on(vec![5, 4], Layer::Lstm(l.clone())), Err(Error::ShapeMismatch { layer: 0 }));
	assert_eq!(on(vec![5, 3], Layer::Gru(l.clone())), Err(Error::ParameterCountMismatch { layer: 0 }));
	let mut wide = l.clone();
	wide.input_size = MAX_FAN_IN + 1;
	assert_eq!(on(vec![5, MAX_FAN_IN + 1], Layer::Lstm(wide)), Err(Error::FanInTooLarge { layer: 0 }));
	let mut bad = l.clone();
	bad.hidden_requant = vec![Requant { multiplier: 1, shift: 0 }; 3];
	assert_eq!(on(vec![5, 3], Layer::Lstm(bad)), Err(Error::RequantCountMismatch { layer: 0 }));
	// The cost counts every step: twice the steps, about twice the cost.
	let cost = |steps| {
		Model {
			input: InputSpec { shape: vec![steps, 3], scale: 1, scale_shift: 0, zero_point: 0 },
			layers: vec![Layer::Lstm(l.clone())],
			output: OutputKind::Class,
		}
		.cost()
	};
	// Per step: 8 gate rows x (3 + 2) MACs, 8 x GATE_COST, STEP_COST; the run, its 300 input
	// elements, the layer and its 2 outputs.
	let per_step = 8 * 5 + 8 * GATE_COST + STEP_COST;
	assert_eq!(cost(100), RUN_COST + 300 * INPUT_ELEMENT_COST + 100 * per_step + LAYER_COST + 2 * OUTPUT_ELEMENT_COST);
	assert_eq!(cost(200) - cost(100), 100 * (per_step + 3 * INPUT_ELEMENT_COST));
}
