//! Models shaped to do the most work per cost unit (fan-in 1, 1x1 windows, layers that do
//! next to nothing, tiny tensors), and the dense models the chain's weights are benchmarked
//! on. Shared by the cost-model test and the `cost_rate` benchmark.

#![allow(dead_code)]

use modelchain_nn::*;

pub fn dense(i: u32, o: u32) -> Layer {
	Layer::Dense(Dense {
		in_features: i,
		out_features: o,
		weights: (0..i * o).map(|k| (k % 251) as i8 - 125).collect(),
		bias: vec![0; o as usize],
		input_zero_point: 0,
		output_zero_point: 0,
		requant: vec![Requant { multiplier: 1, shift: 8 }],
	})
}

pub fn conv(cin: u32, cout: u32, k: u32, stride: u32, pad: u32) -> Layer {
	Layer::Conv2d(Conv2d {
		in_channels: cin,
		out_channels: cout,
		kernel_h: k,
		kernel_w: k,
		stride_h: stride,
		stride_w: stride,
		padding: Padding { top: pad, left: pad, bottom: pad, right: pad },
		weights: (0..cin * cout * k * k).map(|i| (i % 7) as i8 - 3).collect(),
		bias: vec![1; cout as usize],
		input_zero_point: 0,
		output_zero_point: 0,
		requant: vec![Requant { multiplier: 1 << 20, shift: 24 }],
	})
}

/// A `kh x kw` convolution, stride 1, no padding.
pub fn conv_hw(cin: u32, cout: u32, kh: u32, kw: u32) -> Layer {
	let Layer::Conv2d(mut c) = conv(cin, cout, 1, 1, 0) else { unreachable!() };
	c.kernel_h = kh;
	c.kernel_w = kw;
	c.weights = (0..cin * cout * kh * kw).map(|i| (i % 7) as i8 - 3).collect();
	Layer::Conv2d(c)
}

pub fn pool(k: u32, stride: u32, pad: u32) -> Layer {
	pool_hw(k, k, stride, pad)
}

pub fn pool_hw(kh: u32, kw: u32, stride: u32, pad: u32) -> Layer {
	Layer::MaxPool2d(MaxPool2d {
		kernel_h: kh,
		kernel_w: kw,
		stride_h: stride,
		stride_w: stride,
		padding: Padding { top: pad, left: pad, bottom: pad, right: pad },
	})
}

pub fn lut() -> Layer {
	let mut table = [0i8; 256];
	for (i, t) in table.iter_mut().enumerate() {
		*t = (i as i32 - 128).clamp(-100, 100) as i8;
	}
	Layer::Lut(Lut { kind: LutKind::Tanh, table })
}

/// An LSTM (4 gates) or a GRU (3), `f` features to `h` hidden units; small weights so the
/// gates are not all saturated.
pub fn recurrent(lstm: bool, f: u32, h: u32, sequence: bool) -> Layer {
	let rows = h * if lstm { 4 } else { 3 };
	let w = |n: u32| (0..n).map(|i| (i % 7) as i8 - 3).collect::<Vec<i8>>();
	let r = Recurrent {
		input_size: f,
		hidden_size: h,
		sequence,
		input_weights: w(rows * f),
		hidden_weights: w(rows * h),
		input_bias: vec![100; rows as usize],
		hidden_bias: vec![-50; rows as usize],
		input_zero_point: 0,
		input_requant: vec![Requant { multiplier: 1 << 30, shift: 28 }],
		hidden_requant: vec![Requant { multiplier: 1 << 30, shift: 31 }],
	};
	if lstm {
		Layer::Lstm(r)
	} else {
		Layer::Gru(r)
	}
}

pub fn model(shape: &[u32], layers: Vec<Layer>) -> Model {
	Model {
		input: InputSpec { shape: shape.to_vec(), scale: 1, scale_shift: 0, zero_point: 0 },
		layers,
		output: OutputKind::Class,
	}
}

pub fn repeat(layer: Layer, n: usize) -> Vec<Layer> {
	vec![layer; n]
}

/// The dense models the bounties' `verify_score` and the predictions' `challenge`
/// benchmarks charge by: the digits shape, `64 → hidden → 10`.
pub fn reference() -> Vec<(&'static str, Model)> {
	vec![
		("dense 64-256-10 (benchmark shape)", model(&[64], vec![dense(64, 256), dense(256, 10)])),
		("dense 64-1000-10 (benchmark shape)", model(&[64], vec![dense(64, 1000), dense(1000, 10)])),
	]
}

/// The families the predictions' challenge benchmarks measure, and the shapes an attacker
/// would pick: the least work counted per unit of real work (fan-in 1, 1x1 windows, layers
/// that do next to nothing, tiny tensors where per-layer and per-run overheads dominate).
pub fn cases() -> Vec<(&'static str, Model)> {
	let mut all = reference();
	let with_tail = |shape: &[u32], mut layers: Vec<Layer>| {
		layers.push(Layer::Flatten);
		model(shape, layers)
	};
	all.extend([
		("conv 1x1, 32 channels, 32x32", with_tail(&[32, 32, 32], vec![conv(32, 32, 1, 1, 0); 2])),
		("conv 3x3, 16 channels, 32x32", with_tail(&[16, 32, 32], vec![conv(16, 16, 3, 1, 1); 2])),
		("max pool 15x15, 64x64", with_tail(&[1, 64, 64], vec![pool(15, 1, 7); 2])),
		("lookup tables x8, 4096", model(&[4096], repeat(lut(), 8))),
		("conv 1x1 fan-in 1, 256x256", with_tail(&[1, 256, 256], vec![conv(1, 1, 1, 1, 0); 4])),
		("conv 1x1 fan-in 1 to 64 channels, 16x16", with_tail(&[1, 16, 16], vec![conv(1, 64, 1, 1, 0)])),
		("conv 1x1 fan-in 1, 1x1 planes, 1024 channels", with_tail(&[1, 1, 1], vec![conv(1, 1024, 1, 1, 0)])),
		("conv 2x2 fan-in 4, 256x256", with_tail(&[1, 256, 256], vec![conv(1, 1, 2, 1, 1); 4])),
		("conv 1x1 stride 64 on 512x512", with_tail(&[1, 512, 512], vec![conv(1, 1, 1, 64, 0)])),
		("conv 15x15 on 1x1, all padding", with_tail(&[1, 1, 1], vec![conv(1, 1, 15, 1, 7); 8])),
		("conv 15x1 fan-in 15, 128x128", with_tail(&[1, 128, 128], vec![conv_hw(1, 1, 15, 1); 4])),
		("conv 15x1, 8 channels in, 64x64", with_tail(&[8, 64, 64], vec![conv_hw(8, 8, 15, 1); 2])),
		("max pool 15x1, 128x128", with_tail(&[1, 128, 128], vec![pool_hw(15, 1, 1, 0); 4])),
		("dense fan-in 1, 4096 out", model(&[1], vec![dense(1, 4096)])),
		("dense fan-in 1 chain", model(&[1], repeat(dense(1, 1), 60))),
		("max pool 1x1, 256x256", with_tail(&[1, 256, 256], vec![pool(1, 1, 0); 4])),
		("max pool 2x2 stride 2, 256x256", with_tail(&[1, 256, 256], vec![pool(2, 2, 0)])),
		("max pool 1x1 stride 64 on 512x512", with_tail(&[1, 512, 512], vec![pool(1, 64, 0)])),
		("relu x16, 4096", model(&[4096], repeat(Layer::Relu { zero_point: 0 }, 16))),
		("identity x60, 4096", model(&[4096], repeat(Layer::Identity, 60))),
		("flatten x60, 1 element", model(&[1], repeat(Layer::Flatten, 60))),
		("identity x60, 1 element", model(&[1], repeat(Layer::Identity, 60))),
		("lstm 64-128, 16 steps", model(&[16, 64], vec![recurrent(true, 64, 128, false)])),
		("gru 64-128, 16 steps", model(&[16, 64], vec![recurrent(false, 64, 128, false)])),
		("lstm 1-1, 4096 steps", model(&[4096, 1], vec![recurrent(true, 1, 1, false)])),
		("gru 1-1, 4096 steps", model(&[4096, 1], vec![recurrent(false, 1, 1, false)])),
		("lstm 1-64 sequence, 256 steps", model(&[256, 1], vec![recurrent(true, 1, 64, true)])),
		("gru 64-1, 256 steps", model(&[256, 64], vec![recurrent(false, 64, 1, false)])),
		(
			"lstm x8 stacked 4-4, 64 steps",
			model(&[64, 4], (0..8).map(|k| recurrent(k % 2 == 0, 4, 4, k < 7)).collect()),
		),
		("no layers, 1 element", model(&[1], vec![])),
		("no layers, 4096 elements", model(&[4096], vec![])),
	]);
	all
}
