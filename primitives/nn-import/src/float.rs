//! A float network: what an import produces and what quantization consumes. Its forward
//! pass is the reference the quantized model is measured against.

use crate::ImportError;

/// What the network's output means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
	/// Logits or probabilities; the answer is the argmax.
	Classification,
	/// Real-valued outputs.
	Regression,
}

/// Which recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
	/// LSTM, gates input, output, forget, cell (ONNX's order).
	Lstm,
	/// GRU, gates update, reset, hidden (ONNX's order), `linear_before_reset = 1`.
	Gru,
}

impl Cell {
	/// Gates per hidden unit.
	pub fn gates(self) -> usize {
		match self {
			Cell::Lstm => 4,
			Cell::Gru => 3,
		}
	}
}

/// A recurrent layer in ONNX's layout, one direction, zero initial state.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatRecurrent {
	/// LSTM or GRU.
	pub cell: Cell,
	/// Features per step.
	pub input_size: usize,
	/// Hidden units.
	pub hidden_size: usize,
	/// Every hidden state (`[steps, hidden]`) or the last (`[hidden]`).
	pub sequence: bool,
	/// `[gates * hidden][input]` (ONNX `W`).
	pub w: Vec<f32>,
	/// `[gates * hidden][hidden]` (ONNX `R`).
	pub r: Vec<f32>,
	/// `[gates * hidden]` (ONNX `Wb`).
	pub wb: Vec<f32>,
	/// `[gates * hidden]` (ONNX `Rb`).
	pub rb: Vec<f32>,
}

impl FloatRecurrent {
	/// Runs the layer over `x` (`[steps, input_size]`, row-major).
	pub fn forward(&self, x: &[f32]) -> Vec<f32> {
		let (f, n) = (self.input_size, self.hidden_size);
		let dot = |w: &[f32], v: &[f32]| w.iter().zip(v).map(|(a, b)| a * b).sum::<f32>();
		let (mut h, mut c) = (vec![0f32; n], vec![0f32; n]);
		let mut all = Vec::with_capacity(x.len() / f.max(1) * n);
		for step in x.chunks_exact(f.max(1)) {
			let part = |row: usize, hidden: &[f32]| {
				(dot(&self.w[row * f..][..f], step) + self.wb[row], dot(&self.r[row * n..][..n], hidden) + self.rb[row])
			};
			let prev = h.clone();
			for j in 0..n {
				let g = |block: usize| part(block * n + j, &prev);
				h[j] = match self.cell {
					Cell::Lstm => {
						let sum = |b: usize| g(b).0 + g(b).1;
						let (i, o, fg, cand) = (sigmoid(sum(0)), sigmoid(sum(1)), sigmoid(sum(2)), sum(3).tanh());
						c[j] = fg * c[j] + i * cand;
						o * c[j].tanh()
					}
					Cell::Gru => {
						let (z, r) = (sigmoid(g(0).0 + g(0).1), sigmoid(g(1).0 + g(1).1));
						let (xn, hn) = g(2);
						let cand = (xn + r * hn).tanh();
						(1.0 - z) * cand + z * prev[j]
					}
				};
			}
			if self.sequence {
				all.extend_from_slice(&h);
			}
		}
		if !self.sequence {
			all = h;
		}
		all
	}
}

/// One float layer. Tensors are `[features]`, `[steps, features]` (recurrent layers) or
/// `[channels, height, width]`, no batch axis.
#[derive(Debug, Clone, PartialEq)]
pub enum FloatLayer {
	/// `y = W x + b`, `W` row-major `[out][in]`.
	Dense {
		/// Inputs.
		in_features: usize,
		/// Outputs.
		out_features: usize,
		/// `[out][in]`.
		weights: Vec<f32>,
		/// `[out]`.
		bias: Vec<f32>,
	},
	/// Convolution, OIHW weights, pads `[top, left, bottom, right]`.
	Conv2d {
		/// Input channels.
		in_channels: usize,
		/// Output channels.
		out_channels: usize,
		/// `(height, width)`.
		kernel: (usize, usize),
		/// `(vertical, horizontal)`.
		stride: (usize, usize),
		/// `[top, left, bottom, right]`.
		pads: [usize; 4],
		/// `[out][in][kh][kw]`.
		weights: Vec<f32>,
		/// `[out]`.
		bias: Vec<f32>,
	},
	/// Max pooling; padding is ignored.
	MaxPool2d {
		/// `(height, width)`.
		kernel: (usize, usize),
		/// `(vertical, horizontal)`.
		stride: (usize, usize),
		/// `[top, left, bottom, right]`.
		pads: [usize; 4],
	},
	/// `max(x, 0)`.
	Relu,
	/// Logistic sigmoid.
	Sigmoid,
	/// Hyperbolic tangent.
	Tanh,
	/// To `[len]`.
	Flatten,
	/// LSTM or GRU on `[steps, input_size]`.
	Recurrent(FloatRecurrent),
}

/// A float network.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatNetwork {
	/// Shape of one input, without the batch axis.
	pub input_shape: Vec<usize>,
	/// Layers in order.
	pub layers: Vec<FloatLayer>,
	/// What the output means.
	pub task: Task,
}

fn out_size(size: usize, before: usize, after: usize, kernel: usize, stride: usize) -> Option<usize> {
	(size + before + after).checked_sub(kernel).map(|s| s / stride.max(1) + 1)
}

impl FloatNetwork {
	/// Shapes of every tensor: the input, then each layer's output.
	pub fn shapes(&self) -> Result<Vec<Vec<usize>>, ImportError> {
		let mut shapes = vec![self.input_shape.clone()];
		let mut cur = self.input_shape.clone();
		for (i, layer) in self.layers.iter().enumerate() {
			let len: usize = cur.iter().product();
			let bad = |what: &str| ImportError::Shape(format!("layer {i} ({what}) gets shape {cur:?}"));
			cur = match layer {
				FloatLayer::Dense { in_features, out_features, .. } => {
					if len != *in_features {
						return Err(bad("dense"));
					}
					vec![*out_features]
				}
				FloatLayer::Conv2d { in_channels, out_channels, kernel, stride, pads, .. } => {
					let [c, h, w] = cur[..] else { return Err(bad("conv")) };
					if c != *in_channels {
						return Err(bad("conv"));
					}
					let oh = out_size(h, pads[0], pads[2], kernel.0, stride.0).ok_or_else(|| bad("conv"))?;
					let ow = out_size(w, pads[1], pads[3], kernel.1, stride.1).ok_or_else(|| bad("conv"))?;
					vec![*out_channels, oh, ow]
				}
				FloatLayer::MaxPool2d { kernel, stride, pads } => {
					let [c, h, w] = cur[..] else { return Err(bad("maxpool")) };
					let oh = out_size(h, pads[0], pads[2], kernel.0, stride.0).ok_or_else(|| bad("maxpool"))?;
					let ow = out_size(w, pads[1], pads[3], kernel.1, stride.1).ok_or_else(|| bad("maxpool"))?;
					vec![c, oh, ow]
				}
				FloatLayer::Flatten => vec![len],
				FloatLayer::Recurrent(r) => {
					let [steps, f] = cur[..] else { return Err(bad("recurrent")) };
					if f != r.input_size {
						return Err(bad("recurrent"));
					}
					if r.sequence {
						vec![steps, r.hidden_size]
					} else {
						vec![r.hidden_size]
					}
				}
				_ => cur.clone(),
			};
			shapes.push(cur.clone());
		}
		Ok(shapes)
	}

	/// Runs the network in `f32` and returns every tensor (input first, output last).
	pub fn forward_all(&self, x: &[f32]) -> Result<Vec<Vec<f32>>, ImportError> {
		let shapes = self.shapes()?;
		if x.len() != shapes[0].iter().product::<usize>() {
			return Err(ImportError::Shape(format!("input has {} values, expected shape {:?}", x.len(), shapes[0])));
		}
		let mut out = vec![x.to_vec()];
		for (i, layer) in self.layers.iter().enumerate() {
			let x = &out[i];
			let shape = &shapes[i];
			let y = match layer {
				FloatLayer::Dense { in_features, weights, bias, .. } => weights
					.chunks_exact(*in_features)
					.zip(bias)
					.map(|(row, b)| row.iter().zip(x).map(|(w, v)| w * v).sum::<f32>() + b)
					.collect(),
				FloatLayer::Conv2d { in_channels, out_channels, kernel, stride, pads, weights, bias } => {
					let (h, w) = (shape[1] as isize, shape[2] as isize);
					let o = &shapes[i + 1];
					let (oh, ow) = (o[1], o[2]);
					let (kh, kw) = *kernel;
					let mut y = Vec::with_capacity(out_channels * oh * ow);
					for oc in 0..*out_channels {
						for oy in 0..oh {
							for ox in 0..ow {
								let mut acc = bias[oc];
								for ic in 0..*in_channels {
									for ky in 0..kh {
										let iy = (oy * stride.0 + ky) as isize - pads[0] as isize;
										if iy < 0 || iy >= h {
											continue;
										}
										for kx in 0..kw {
											let ix = (ox * stride.1 + kx) as isize - pads[1] as isize;
											if ix < 0 || ix >= w {
												continue;
											}
											let wv = weights[((oc * in_channels + ic) * kh + ky) * kw + kx];
											acc += wv * x[(ic * h as usize + iy as usize) * w as usize + ix as usize];
										}
									}
								}
								y.push(acc);
							}
						}
					}
					y
				}
				FloatLayer::MaxPool2d { kernel, stride, pads } => {
					let (c, h, w) = (shape[0], shape[1] as isize, shape[2] as isize);
					let o = &shapes[i + 1];
					let mut y = Vec::with_capacity(c * o[1] * o[2]);
					for ch in 0..c {
						for oy in 0..o[1] {
							for ox in 0..o[2] {
								let mut m = f32::NEG_INFINITY;
								for ky in 0..kernel.0 {
									let iy = (oy * stride.0 + ky) as isize - pads[0] as isize;
									for kx in 0..kernel.1 {
										let ix = (ox * stride.1 + kx) as isize - pads[1] as isize;
										if iy >= 0 && iy < h && ix >= 0 && ix < w {
											m = m.max(x[(ch * h as usize + iy as usize) * w as usize + ix as usize]);
										}
									}
								}
								y.push(m);
							}
						}
					}
					y
				}
				FloatLayer::Relu => x.iter().map(|v| v.max(0.0)).collect(),
				FloatLayer::Sigmoid => x.iter().map(|v| sigmoid(*v)).collect(),
				FloatLayer::Tanh => x.iter().map(|v| v.tanh()).collect(),
				FloatLayer::Flatten => x.clone(),
				FloatLayer::Recurrent(r) => r.forward(x),
			};
			out.push(y);
		}
		Ok(out)
	}

	/// Runs the network in `f32` and returns its output.
	pub fn forward(&self, x: &[f32]) -> Result<Vec<f32>, ImportError> {
		Ok(self.forward_all(x)?.pop().unwrap_or_default())
	}
}

/// The logistic function.
pub fn sigmoid(x: f32) -> f32 {
	1.0 / (1.0 + (-x).exp())
}
