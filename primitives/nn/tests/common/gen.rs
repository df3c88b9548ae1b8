//! A deterministic generator of valid (and deliberately broken) models, shared by the
//! property tests and the wasm determinism test.

#![allow(dead_code)]

use modelchain_nn::*;

/// splitmix64: small, seedable, the same everywhere.
pub struct Rng(pub u64);

impl Rng {
	pub fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}
	/// Uniform in `lo..=hi`.
	pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
		lo + (self.next() % u64::from(hi - lo + 1)) as u32
	}
	pub fn bool(&mut self) -> bool {
		self.next() & 1 == 1
	}
	pub fn i8(&mut self) -> i8 {
		self.next() as i8
	}
	pub fn i8s(&mut self, n: usize) -> Vec<i8> {
		(0..n).map(|_| self.i8()).collect()
	}
	/// Mostly small biases, sometimes extreme ones.
	pub fn bias(&mut self) -> i32 {
		match self.range(0, 9) {
			0 => i32::MAX,
			1 => i32::MIN,
			2 => self.next() as i32,
			_ => (self.next() % 20_001) as i32 - 10_000,
		}
	}
	pub fn requant(&mut self) -> Requant {
		match self.range(0, 5) {
			0 => Requant { multiplier: self.next() as i32, shift: self.range(0, 255) as u8 },
			_ => Requant { multiplier: self.range(1 << 29, (1 << 31) - 1) as i32, shift: self.range(30, 45) as u8 },
		}
	}
	pub fn requants(&mut self, channels: u32) -> Vec<Requant> {
		let n = if self.bool() { 1 } else { channels };
		(0..n).map(|_| self.requant()).collect()
	}
	pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
		items[(self.next() % items.len() as u64) as usize]
	}
}

fn lut(r: &mut Rng) -> Layer {
	let mut table = [0i8; 256];
	for t in table.iter_mut() {
		*t = r.i8();
	}
	Layer::Lut(Lut { kind: r.pick(&[LutKind::Sigmoid, LutKind::Tanh, LutKind::Generic]), table })
}

fn elementwise(r: &mut Rng) -> Layer {
	match r.range(0, 2) {
		0 => Layer::Relu { zero_point: r.i8() },
		1 => Layer::Identity,
		_ => lut(r),
	}
}

fn pads(r: &mut Rng, max: u32) -> Padding {
	Padding { top: r.range(0, max), left: r.range(0, max), bottom: r.range(0, max), right: r.range(0, max) }
}

/// An LSTM or a GRU from `f` to `hidden` features, random weights and requantizers.
pub fn recurrent(r: &mut Rng, f: u32, hidden: u32, sequence: bool) -> Layer {
	let lstm = r.bool();
	let rows = hidden * if lstm { 4 } else { 3 };
	let layer = Recurrent {
		input_size: f,
		hidden_size: hidden,
		sequence,
		input_weights: r.i8s((rows * f) as usize),
		hidden_weights: r.i8s((rows * hidden) as usize),
		input_bias: (0..rows).map(|_| r.bias()).collect(),
		hidden_bias: (0..rows).map(|_| r.bias()).collect(),
		input_zero_point: r.i8(),
		input_requant: r.requants(rows),
		hidden_requant: r.requants(rows),
	};
	if lstm {
		Layer::Lstm(layer)
	} else {
		Layer::Gru(layer)
	}
}

/// A valid model: a sequence through recurrent layers, or a few window layers on a CHW input, or none on a flat one, then dense
/// layers, with elementwise layers in between.
pub fn random_model(seed: u64) -> Model {
	let r = &mut Rng(seed);
	let mut layers = Vec::new();
	let shape: Vec<u32>;
	let mut len: u32;
	let input_kind = r.range(0, 3);
	if input_kind == 3 {
		// A sequence: one or two recurrent layers, the last one keeping only its last state
		// (or, sometimes, every state, for the dense layers to read flattened).
		let (steps, mut f) = (r.range(1, 8), r.range(1, 6));
		shape = vec![steps, f];
		let n = r.range(1, 2);
		for k in 0..n {
			let hidden = r.range(1, 6);
			let sequence = k + 1 < n || r.range(0, 3) == 0;
			layers.push(recurrent(r, f, hidden, sequence));
			f = hidden;
		}
		len = if matches!(layers.last(), Some(Layer::Lstm(l) | Layer::Gru(l)) if l.sequence) { steps * f } else { f };
	} else if input_kind < 2 {
		let (mut c, mut h, mut w) = (r.range(1, 3), r.range(1, 10), r.range(1, 10));
		shape = vec![c, h, w];
		for _ in 0..r.range(0, 3) {
			if r.bool() {
				let p = pads(r, 2);
				let kh = r.range(1, (h + p.top + p.bottom).min(4));
				let kw = r.range(1, (w + p.left + p.right).min(4));
				let (sh, sw) = (r.range(1, 3), r.range(1, 3));
				let oc = r.range(1, 4);
				let n = (oc * c * kh * kw) as usize;
				layers.push(Layer::Conv2d(Conv2d {
					in_channels: c,
					out_channels: oc,
					kernel_h: kh,
					kernel_w: kw,
					stride_h: sh,
					stride_w: sw,
					padding: p,
					weights: r.i8s(n),
					bias: (0..oc).map(|_| r.bias()).collect(),
					input_zero_point: r.i8(),
					output_zero_point: r.i8(),
					requant: r.requants(oc),
				}));
				h = (h + p.top + p.bottom - kh) / sh + 1;
				w = (w + p.left + p.right - kw) / sw + 1;
				c = oc;
			} else {
				let (kh, kw) = (r.range(1, h.min(3)), r.range(1, w.min(3)));
				let p = Padding {
					top: r.range(0, kh - 1),
					left: r.range(0, kw - 1),
					bottom: r.range(0, kh - 1),
					right: r.range(0, kw - 1),
				};
				let (sh, sw) = (r.range(1, 3), r.range(1, 3));
				layers.push(Layer::MaxPool2d(MaxPool2d {
					kernel_h: kh,
					kernel_w: kw,
					stride_h: sh,
					stride_w: sw,
					padding: p,
				}));
				h = (h + p.top + p.bottom - kh) / sh + 1;
				w = (w + p.left + p.right - kw) / sw + 1;
			}
			if r.bool() {
				layers.push(elementwise(r));
			}
		}
		len = c * h * w;
		if r.bool() {
			layers.push(Layer::Flatten);
		}
	} else {
		len = r.range(1, 40);
		shape = vec![len];
	}
	for _ in 0..r.range(0, 3) {
		let out = r.range(1, 20);
		layers.push(Layer::Dense(Dense {
			in_features: len,
			out_features: out,
			weights: r.i8s((len * out) as usize),
			bias: (0..out).map(|_| r.bias()).collect(),
			input_zero_point: r.i8(),
			output_zero_point: r.i8(),
			requant: r.requants(out),
		}));
		len = out;
		if r.bool() {
			layers.push(elementwise(r));
		}
	}
	let output = if r.bool() {
		OutputKind::Class
	} else {
		OutputKind::Regression { zero_point: r.i8(), multiplier: r.next() as i32, shift: r.range(0, 70) as u8 }
	};
	Model {
		input: InputSpec { shape, scale: r.next() as u32, scale_shift: r.range(0, 40) as u8, zero_point: r.i8() },
		layers,
		output,
	}
}

/// A valid model with one field set to something arbitrary (zero, huge, a wrong length):
/// it may or may not still validate, but must never panic.
pub fn broken_model(seed: u64) -> Model {
	let mut m = random_model(seed);
	let r = &mut Rng(seed ^ 0xDEAD_BEEF);
	let wild = |r: &mut Rng| {
		let any = r.next() as u32;
		r.pick(&[0u32, 1, 2, u32::MAX, u32::MAX / 2, 65_536, 65_537, any])
	};
	let n = m.layers.len();
	if n == 0 || r.range(0, 4) == 0 {
		let i = r.range(0, m.input.shape.len() as u32) as usize;
		if i == m.input.shape.len() {
			m.input.shape.push(wild(r));
		} else {
			m.input.shape[i] = wild(r);
		}
		return m;
	}
	let i = r.range(0, n as u32 - 1) as usize;
	let v = wild(r);
	match &mut m.layers[i] {
		Layer::Dense(d) => match r.range(0, 4) {
			0 => d.in_features = v,
			1 => d.out_features = v,
			2 => {
				d.weights.pop();
			}
			3 => d.requant.clear(),
			_ => d.bias.push(0),
		},
		Layer::Conv2d(c) => match r.range(0, 6) {
			0 => c.in_channels = v,
			1 => c.out_channels = v,
			2 => c.kernel_h = v,
			3 => c.stride_w = v,
			4 => c.padding.bottom = v,
			5 => {
				c.weights.pop();
			}
			_ => c.requant.push(Requant { multiplier: 1, shift: 0 }),
		},
		Layer::MaxPool2d(p) => match r.range(0, 3) {
			0 => p.kernel_w = v,
			1 => p.stride_h = v,
			2 => p.padding.left = v,
			_ => p.padding.top = v,
		},
		Layer::Lstm(l) | Layer::Gru(l) => match r.range(0, 5) {
			0 => l.input_size = v,
			1 => l.hidden_size = v,
			2 => {
				l.hidden_weights.pop();
			}
			3 => l.input_bias.push(0),
			4 => l.hidden_requant.clear(),
			_ => l.input_requant.push(Requant { multiplier: 1, shift: 0 }),
		},
		other => *other = Layer::Flatten,
	}
	m
}
