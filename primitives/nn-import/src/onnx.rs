//! ONNX import: follows the chain of operators from the graph input to its output and
//! turns it into a [`FloatNetwork`].
//!
//! Supported operators: `Gemm` (with `transB` 0 or 1, `alpha`, `beta`), `MatMul` followed
//! by an `Add` of a constant bias, `Conv` (2D, no dilation, no groups), `MaxPool` (2D,
//! `ceil_mode = 0`), `Relu`, `Sigmoid`, `Tanh`, `Flatten`, `Reshape` to `[batch, n]`,
//! `LinearClassifier` (`ai.onnx.ml`), and the no-ops `Identity`, `Dropout` and `Cast`
//! between float types (skl2onnx's graphs for float64 data cast the input to double).
//! Any other operator on the chain is rejected with [`ImportError::UnsupportedOperator`]
//! naming it.
//!
//! The import stops where a classifier's post-processing starts, keeping a last layer
//! whose argmax (ties to the lowest index, as the engine does) is the predicted class:
//! - `Softmax`, `LogSoftmax`, `ArgMax`, `ArrayFeatureExtractor`, `ZipMap`, a `Cast` to a
//!   non-float type: softmax is monotonic, so the argmax of the logits is the same class;
//! - a tensor that feeds an `ArgMax` and other nodes: the label is its argmax, the other
//!   nodes compute probabilities (skl2onnx's float64 `LogisticRegression`);
//! - scikit-learn's binary tails, which build both class columns from one score (see
//!   `binary_tail` in the source), and `LinearClassifier` (see `linear_classifier`).
//!
//! That covers the skl2onnx graphs of `MLPClassifier` (binary and multiclass),
//! `MLPRegressor`, `LogisticRegression`, `LinearSVC`, `RidgeClassifier`, `SGDClassifier`
//! and `Perceptron`, with default options or `zipmap=False`, for float32 or float64 data,
//! and the graphs of `torch.onnx.export` for Linear/ReLU/Sigmoid/Tanh/Flatten/Conv2d/
//! MaxPool2d networks. A tail the engine's argmax cannot reproduce (a multi-label
//! `Binarizer`, another binary construction) is [`ImportError::UnsupportedPostprocessing`].

use std::collections::HashMap;
use std::path::Path;

use onnx_protobuf::tensor_shape_proto::dimension::Value as Dim;
use onnx_protobuf::type_proto::Value as TypeValue;
use onnx_protobuf::{AttributeProto, Message, ModelProto, NodeProto, TensorProto};

use crate::float::{Cell, FloatLayer, FloatNetwork, FloatRecurrent, Task};
use crate::ImportError;

/// Import options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
	/// What the output means. `None`: classification if the graph applies a softmax or an
	/// argmax (as scikit-learn classifiers do), regression otherwise. PyTorch classifiers
	/// usually end in raw logits, so say `Some(Task::Classification)` for them.
	pub task: Option<Task>,
}

/// An imported graph.
#[derive(Debug, Clone)]
pub struct Imported {
	/// The network.
	pub network: FloatNetwork,
	/// The class labels of a scikit-learn classifier (class index -> label), if the graph
	/// has them.
	pub class_labels: Option<Vec<i64>>,
}

/// Imports an ONNX file.
pub fn import_file(path: impl AsRef<Path>, options: &ImportOptions) -> Result<Imported, ImportError> {
	import(&std::fs::read(path)?, options)
}

const FLOAT: i32 = 1;
const INT64: i32 = 7;
const DOUBLE: i32 = 11;
const INT32: i32 = 6;
const FLOAT16: i32 = 10;
const BFLOAT16: i32 = 16;

/// A constant tensor: dims and values.
#[derive(Debug, Clone)]
struct Constant {
	dims: Vec<usize>,
	values: Vec<f64>,
}

fn constant(t: &TensorProto) -> Result<Constant, ImportError> {
	let bad = |what: &str| ImportError::InvalidGraph(format!("initializer `{}`: {what}", t.name));
	let dims =
		t.dims.iter().map(|&d| usize::try_from(d).map_err(|_| bad("negative dim"))).collect::<Result<Vec<_>, _>>()?;
	let raw = &t.raw_data;
	let values: Vec<f64> = match t.data_type {
		FLOAT if !raw.is_empty() => {
			raw.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64).collect()
		}
		FLOAT => t.float_data.iter().map(|&v| v as f64).collect(),
		DOUBLE if !raw.is_empty() => raw.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect(),
		DOUBLE => t.double_data.clone(),
		INT64 if !raw.is_empty() => {
			raw.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64).collect()
		}
		INT64 => t.int64_data.iter().map(|&v| v as f64).collect(),
		INT32 if !raw.is_empty() => {
			raw.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap()) as f64).collect()
		}
		INT32 => t.int32_data.iter().map(|&v| v as f64).collect(),
		other => return Err(bad(&format!("data type {other} is not float, double, int32 or int64"))),
	};
	if values.len() != dims.iter().product::<usize>() {
		return Err(bad("value count does not match dims"));
	}
	Ok(Constant { dims, values })
}

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
	node.attribute.iter().find(|a| a.name == name)
}

fn attr_i(node: &NodeProto, name: &str, default: i64) -> i64 {
	attr(node, name).map(|a| a.i).unwrap_or(default)
}

fn attr_f(node: &NodeProto, name: &str, default: f32) -> f32 {
	attr(node, name).map(|a| a.f).unwrap_or(default)
}

fn attr_ints(node: &NodeProto, name: &str) -> Option<Vec<i64>> {
	attr(node, name).map(|a| a.ints.clone())
}

fn unsupported(node: &NodeProto, detail: impl Into<String>) -> ImportError {
	ImportError::UnsupportedAttribute { op: node.op_type.clone(), detail: detail.into() }
}

fn pair(node: &NodeProto, name: &str, default: usize) -> Result<(usize, usize), ImportError> {
	match attr_ints(node, name) {
		None => Ok((default, default)),
		Some(v) if v.len() == 2 && v.iter().all(|&x| x >= 1) => Ok((v[0] as usize, v[1] as usize)),
		Some(v) => Err(unsupported(node, format!("{name} = {v:?} (2D, positive only)"))),
	}
}

fn pads(node: &NodeProto) -> Result<[usize; 4], ImportError> {
	if let Some(a) = attr(node, "auto_pad") {
		if !a.s.is_empty() && a.s != b"NOTSET" {
			return Err(unsupported(node, "auto_pad (give explicit pads)"));
		}
	}
	match attr_ints(node, "pads") {
		None => Ok([0; 4]),
		// ONNX order: [top, left, bottom, right] for 2D.
		Some(v) if v.len() == 4 && v.iter().all(|&x| x >= 0) => {
			Ok([v[0] as usize, v[1] as usize, v[2] as usize, v[3] as usize])
		}
		Some(v) => Err(unsupported(node, format!("pads = {v:?}"))),
	}
}

fn no_dilation(node: &NodeProto) -> Result<(), ImportError> {
	match attr_ints(node, "dilations") {
		Some(d) if d.iter().any(|&x| x != 1) => Err(unsupported(node, "dilations other than 1")),
		_ => Ok(()),
	}
}

/// Imports an ONNX model from its bytes.
pub fn import(bytes: &[u8], options: &ImportOptions) -> Result<Imported, ImportError> {
	let model = ModelProto::parse_from_bytes(bytes).map_err(|e| ImportError::InvalidGraph(e.to_string()))?;
	let graph = model.graph.as_ref().ok_or_else(|| ImportError::InvalidGraph("no graph".into()))?;
	let mut constants: HashMap<&str, Constant> = HashMap::new();
	for t in &graph.initializer {
		// Tensors of other types (strings of class names, ...) are never weights: an
		// operator that needs one as a constant reports it missing.
		if matches!(t.data_type, FLOAT | DOUBLE | INT32 | INT64) {
			constants.insert(&t.name, constant(t)?);
		}
	}
	for n in &graph.node {
		if n.op_type == "Constant" {
			if let (Some(out), Some(a)) = (n.output.first(), attr(n, "value")) {
				if let Some(t) = a.t.as_ref() {
					constants.insert(out, constant(t)?);
				}
			}
		}
	}
	let input = graph
		.input
		.iter()
		.find(|i| !constants.contains_key(i.name.as_str()))
		.ok_or_else(|| ImportError::InvalidGraph("no graph input".into()))?;
	let dims: Vec<Option<usize>> = match input.type_.as_ref().and_then(|t| t.value.as_ref()) {
		Some(TypeValue::TensorType(t)) => t
			.shape
			.as_ref()
			.map(|s| {
				s.dim
					.iter()
					.map(|d| match &d.value {
						Some(Dim::DimValue(v)) if *v > 0 => Some(*v as usize),
						_ => None,
					})
					.collect()
			})
			.unwrap_or_default(),
		_ => return Err(ImportError::InvalidGraph("graph input is not a tensor".into())),
	};
	// The first axis is the batch; the others must be known.
	let input_shape: Vec<usize> = dims
		.iter()
		.skip(1)
		.map(|d| d.ok_or_else(|| ImportError::Shape(format!("input `{}` has an unknown non-batch axis", input.name))))
		.collect::<Result<_, _>>()?;
	if input_shape.is_empty() || input_shape.len() > 3 {
		return Err(ImportError::Shape(format!("input shape {dims:?}: need [batch, ...] with 1 to 3 more axes")));
	}

	let mut layers: Vec<FloatLayer> = Vec::new();
	let mut shape = input_shape.clone();
	let mut cur = input.name.clone();
	let mut saw_classifier = false;
	// Class labels from a `LinearClassifier`'s attributes.
	let mut linear_labels: Option<Vec<i64>> = None;
	let outputs: Vec<&str> = graph.output.iter().map(|o| o.name.as_str()).collect();
	// `Shape` reads only a tensor's shape: PyTorch's exporter uses it to size a recurrent
	// layer's zero initial state, which `initial_state` checks on its own.
	let consumers = |name: &str| -> Vec<&NodeProto> {
		graph
			.node
			.iter()
			.filter(|n| n.op_type != "Constant" && n.op_type != "Shape" && n.input.iter().any(|i| i == name))
			.collect()
	};
	// A `[batch, steps, features]` input is a sequence (see `Layout`).
	let mut layout =
		(input_shape.len() == 2).then(|| Layout { dims: vec![1, input_shape[0], input_shape[1]], time: Some(1) });
	let get = |name: &str, node: &NodeProto| -> Result<Constant, ImportError> {
		constants
			.get(name)
			.cloned()
			.ok_or_else(|| unsupported(node, format!("input `{name}` is not a constant initializer")))
	};
	loop {
		let next = consumers(&cur);
		let node = match next.as_slice() {
			[] => break,
			[n] => *n,
			many => {
				// Not a chain any more: either a classifier's post-processing starts here
				// (scikit-learn feeds the probabilities to an output and to ArgMax, binary
				// classifiers build two columns from one score) or the graph branches.
				classifier_tail(&cur, many, &shape, &constants, &consumers, &mut layers)?;
				saw_classifier = true;
				break;
			}
		};
		let len: usize = shape.iter().product();
		let out = node.output.first().cloned().unwrap_or_default();
		match node.op_type.as_str() {
			"Identity" | "Dropout" => {}
			"Cast" => {
				// Between float types a cast changes nothing here: the network is computed
				// in f32, then quantized. skl2onnx casts the input to double when the model
				// was exported for float64 data.
				let to = attr_i(node, "to", FLOAT as i64);
				if ![FLOAT, DOUBLE, FLOAT16, BFLOAT16].iter().any(|&t| t as i64 == to) {
					// A cast to non-float is post-processing of labels, after the network.
					break;
				}
			}
			"ArgMax" => {
				check_argmax(node, &shape)?;
				saw_classifier = true;
				break;
			}
			"Softmax" | "ArrayFeatureExtractor" | "ZipMap" | "LogSoftmax" => {
				saw_classifier = true;
				break;
			}
			"LinearClassifier" => {
				let (layer, labels) = linear_classifier(node, len)?;
				layers.push(layer);
				linear_labels = labels;
				saw_classifier = true;
				break;
			}
			"Binarizer" => return Err(multilabel(&cur)),
			"Gemm" => {
				if attr_i(node, "transA", 0) != 0 {
					return Err(unsupported(node, "transA = 1"));
				}
				let trans_b = attr_i(node, "transB", 0) != 0;
				let (alpha, beta) = (attr_f(node, "alpha", 1.0) as f64, attr_f(node, "beta", 1.0) as f64);
				let b = get(node.input.get(1).map(String::as_str).unwrap_or(""), node)?;
				let [r, c] = b.dims[..] else { return Err(unsupported(node, "B must be 2D")) };
				let (n_in, n_out) = if trans_b { (c, r) } else { (r, c) };
				if n_in != len {
					return Err(ImportError::Shape(format!("Gemm expects {n_in} inputs, gets {len}")));
				}
				let mut weights = vec![0f32; n_in * n_out];
				for o in 0..n_out {
					for i in 0..n_in {
						let v = if trans_b { b.values[o * n_in + i] } else { b.values[i * n_out + o] };
						weights[o * n_in + i] = (v * alpha) as f32;
					}
				}
				let bias = match node.input.get(2).filter(|s| !s.is_empty()) {
					Some(name) => {
						broadcast_bias(&get(name, node)?, n_out, node)?.iter().map(|v| (v * beta) as f32).collect()
					}
					None => vec![0.0; n_out],
				};
				layers.push(FloatLayer::Dense { in_features: n_in, out_features: n_out, weights, bias });
				shape = vec![n_out];
			}
			"MatMul" => {
				if node.input.first() != Some(&cur) {
					return Err(unsupported(node, "the constant must be the second operand"));
				}
				let b = get(node.input.get(1).map(String::as_str).unwrap_or(""), node)?;
				let [n_in, n_out] = b.dims[..] else { return Err(unsupported(node, "B must be 2D")) };
				if n_in != len {
					return Err(ImportError::Shape(format!("MatMul expects {n_in} inputs, gets {len}")));
				}
				let mut weights = vec![0f32; n_in * n_out];
				for o in 0..n_out {
					for i in 0..n_in {
						weights[o * n_in + i] = b.values[i * n_out + o] as f32;
					}
				}
				layers.push(FloatLayer::Dense {
					in_features: n_in,
					out_features: n_out,
					weights,
					bias: vec![0.0; n_out],
				});
				shape = vec![n_out];
			}
			"Add" => {
				let other = node.input.iter().find(|i| **i != cur).ok_or_else(|| unsupported(node, "x + x"))?;
				let c = get(other, node)?;
				match layers.last_mut() {
					Some(FloatLayer::Dense { out_features, bias, .. }) => {
						for (b, v) in bias.iter_mut().zip(broadcast_bias(&c, *out_features, node)?) {
							*b += v as f32;
						}
					}
					_ => return Err(unsupported(node, "only a bias after MatMul/Gemm")),
				}
			}
			"Relu" => layers.push(FloatLayer::Relu),
			"Sigmoid" => layers.push(FloatLayer::Sigmoid),
			"Tanh" => layers.push(FloatLayer::Tanh),
			"Flatten" => {
				if attr_i(node, "axis", 1) != 1 {
					return Err(unsupported(node, "axis other than 1"));
				}
				layers.push(FloatLayer::Flatten);
				shape = vec![len];
			}
			"Transpose" | "Squeeze" | "Unsqueeze" | "Gather" => {
				let l = layout.take().ok_or_else(|| unsupported(node, "only around a recurrent layer"))?;
				let ints =
					|i: usize| node.input.get(i).and_then(|n| constants.get(n.as_str())).map(|c| c.values.clone());
				let (next, last_step) = l.apply(node, &ints)?;
				if last_step {
					match layers.last_mut() {
						Some(FloatLayer::Recurrent(r)) if r.sequence => r.sequence = false,
						_ => return Err(unsupported(node, "a time step taken but not from a recurrent layer")),
					}
				}
				shape = next.engine_shape();
				layout = Some(next);
			}
			"LSTM" | "GRU" => {
				let l = layout.take().ok_or_else(|| unsupported(node, "its input is not a sequence"))?;
				let (layer, follow) = recurrent(node, &l, &constants, &graph.node, &consumers)?;
				layout = Some(Layout {
					dims: if follow == 0 {
						vec![l.steps()?, 1, 1, layer.hidden_size]
					} else {
						vec![1, 1, layer.hidden_size]
					},
					time: (follow == 0).then_some(0),
				});
				shape = layout.as_ref().map(Layout::engine_shape).unwrap_or_default();
				layers.push(FloatLayer::Recurrent(layer));
				let next = node.output.get(follow).cloned().unwrap_or_default();
				if outputs.contains(&next.as_str()) && consumers(&next).is_empty() {
					cur = next;
					break;
				}
				cur = next;
				continue;
			}
			"Reshape" if layout.is_some() => {
				let target = get(node.input.get(1).map(String::as_str).unwrap_or(""), node)?;
				let l = layout.take().unwrap_or_else(|| unreachable!("matched on is_some"));
				match l.reshape(&target.values) {
					Some(next) => {
						shape = next.engine_shape();
						layout = Some(next);
					}
					None if target.values.len() == 2
						&& l.dims.iter().all(|&d| d == 1 || d == len || l.steps().ok() == Some(d)) =>
					{
						// [batch, steps * features]: the data is already in that order.
						layers.push(FloatLayer::Flatten);
						shape = vec![len];
					}
					None => return Err(unsupported(node, format!("shape {:?} of a sequence", target.values))),
				}
			}
			"Reshape" => {
				let target = get(node.input.get(1).map(String::as_str).unwrap_or(""), node)?;
				// [batch, n] or [-1, n]: a flatten. Anything else would need real reshapes.
				let ok = target.values.len() == 2
					&& (target.values[1] == -1.0 || target.values[1] == len as f64)
					&& (target.values[0] == -1.0 || target.values[0] == 1.0 || target.values[0] == 0.0);
				if !ok {
					return Err(unsupported(node, format!("shape {:?} (only [batch, -1] flattening)", target.values)));
				}
				if shape.len() != 1 {
					layers.push(FloatLayer::Flatten);
				}
				shape = vec![len];
			}
			"Conv" => {
				no_dilation(node)?;
				if attr_i(node, "group", 1) != 1 {
					return Err(unsupported(node, "group other than 1"));
				}
				let w = get(node.input.get(1).map(String::as_str).unwrap_or(""), node)?;
				let [oc, ic, kh, kw] = w.dims[..] else { return Err(unsupported(node, "only 2D convolutions")) };
				let [c, h, wd] = shape[..] else { return Err(ImportError::Shape(format!("Conv on shape {shape:?}"))) };
				if ic != c {
					return Err(ImportError::Shape(format!("Conv expects {ic} channels, gets {c}")));
				}
				if let Some(k) = attr_ints(node, "kernel_shape") {
					if k != [kh as i64, kw as i64] {
						return Err(unsupported(node, "kernel_shape does not match the weights"));
					}
				}
				let stride = pair(node, "strides", 1)?;
				let p = pads(node)?;
				let bias = match node.input.get(2).filter(|s| !s.is_empty()) {
					Some(name) => get(name, node)?.values.iter().map(|&v| v as f32).collect(),
					None => vec![0.0; oc],
				};
				if bias.len() != oc {
					return Err(ImportError::Shape("Conv bias length".into()));
				}
				let oh = (h + p[0] + p[2]).checked_sub(kh).map(|s| s / stride.0 + 1);
				let ow = (wd + p[1] + p[3]).checked_sub(kw).map(|s| s / stride.1 + 1);
				let (Some(oh), Some(ow)) = (oh, ow) else {
					return Err(ImportError::Shape("Conv kernel larger than input".into()));
				};
				layers.push(FloatLayer::Conv2d {
					in_channels: ic,
					out_channels: oc,
					kernel: (kh, kw),
					stride,
					pads: p,
					weights: w.values.iter().map(|&v| v as f32).collect(),
					bias,
				});
				shape = vec![oc, oh, ow];
			}
			"MaxPool" => {
				no_dilation(node)?;
				if attr_i(node, "ceil_mode", 0) != 0 {
					return Err(unsupported(node, "ceil_mode = 1"));
				}
				if attr_i(node, "storage_order", 0) != 0 || node.output.len() > 1 {
					return Err(unsupported(node, "indices output"));
				}
				let kernel = pair(node, "kernel_shape", 0)?;
				let stride = pair(node, "strides", 1)?;
				let p = pads(node)?;
				let [c, h, w] = shape[..] else {
					return Err(ImportError::Shape(format!("MaxPool on shape {shape:?}")));
				};
				if kernel.0 == 0 || p[0] >= kernel.0 || p[2] >= kernel.0 || p[1] >= kernel.1 || p[3] >= kernel.1 {
					return Err(unsupported(node, "kernel_shape missing or pads not smaller than the kernel"));
				}
				let oh = (h + p[0] + p[2]).checked_sub(kernel.0).map(|s| s / stride.0 + 1);
				let ow = (w + p[1] + p[3]).checked_sub(kernel.1).map(|s| s / stride.1 + 1);
				let (Some(oh), Some(ow)) = (oh, ow) else {
					return Err(ImportError::Shape("MaxPool kernel larger than input".into()));
				};
				layers.push(FloatLayer::MaxPool2d { kernel, stride, pads: p });
				shape = vec![c, oh, ow];
			}
			other => return Err(ImportError::UnsupportedOperator(other.to_string())),
		}
		if !matches!(
			node.op_type.as_str(),
			"Transpose" | "Squeeze" | "Unsqueeze" | "Gather" | "Reshape" | "Identity" | "Dropout" | "Cast"
		) {
			layout = None;
		}
		if outputs.contains(&out.as_str()) && consumers(&out).is_empty() {
			cur = out;
			break;
		}
		cur = out;
	}
	if layers.is_empty() {
		// E.g. a cast of the input to an integer type: an empty network would import
		// "successfully" and predict nonsense.
		return Err(ImportError::InvalidGraph(format!(
			"no layer between the graph input and `{cur}`, where the import stopped"
		)));
	}
	let task = options.task.unwrap_or(if saw_classifier { Task::Classification } else { Task::Regression });
	// skl2onnx picks the label with ArrayFeatureExtractor(classes, argmax); other
	// ArrayFeatureExtractors (on the scores) have no constant first input.
	let class_labels = linear_labels.or_else(|| {
		graph
			.node
			.iter()
			.filter(|n| n.op_type == "ArrayFeatureExtractor")
			.find_map(|n| n.input.first().and_then(|name| constants.get(name.as_str())))
			.map(|c| c.values.iter().map(|&v| v as i64).collect())
	});
	let network = FloatNetwork { input_shape, layers, task };
	network.shapes()?;
	Ok(Imported { network, class_labels })
}

fn is_postprocessing(op: &str) -> bool {
	matches!(op, "Softmax" | "ArgMax" | "ArrayFeatureExtractor" | "ZipMap" | "Identity" | "LogSoftmax")
}

fn multilabel(cur: &str) -> ImportError {
	ImportError::UnsupportedPostprocessing(format!(
		"`{cur}` goes through a `Binarizer`, which thresholds every output on its own: a multi-label \
		 classifier. The engine answers one class per input; train one binary classifier per label"
	))
}

/// The engine's answer is the argmax of the whole last tensor, ties to the lowest index:
/// that is an `ArgMax` over the class axis of `[batch, classes]` keeping the first of
/// equal values.
fn check_argmax(node: &NodeProto, shape: &[usize]) -> Result<(), ImportError> {
	let axis = attr_i(node, "axis", 0);
	if shape.len() != 1 || !(axis == 1 || axis == -1) {
		return Err(unsupported(
			node,
			format!("axis {axis} of a [batch, {shape:?}] tensor (only the class axis of [batch, classes])"),
		));
	}
	if attr_i(node, "select_last_index", 0) != 0 {
		return Err(unsupported(node, "select_last_index = 1 (the engine breaks ties towards the first class)"));
	}
	Ok(())
}

/// `cur` (shape `shape`, the output of `layers`) feeds the nodes `next`. That is either
/// where a classifier's post-processing starts or a branch, which the engine's chain of
/// layers cannot express. On success the import stops at `cur` (with the last layer
/// possibly rewritten by [`binary_tail`]).
fn classifier_tail<'g>(
	cur: &str,
	next: &[&'g NodeProto],
	shape: &[usize],
	constants: &HashMap<&str, Constant>,
	consumers: &dyn Fn(&str) -> Vec<&'g NodeProto>,
	layers: &mut Vec<FloatLayer>,
) -> Result<(), ImportError> {
	if next.iter().any(|n| n.op_type == "Binarizer") {
		return Err(multilabel(cur));
	}
	// The label is the argmax of `cur`; the other branches only compute probabilities
	// (skl2onnx's float64 LogisticRegression: ArgMax next to Sigmoid and a normalization;
	// zipmap="columns": ArgMax next to one Slice per class).
	if let Some(argmax) = next.iter().find(|n| n.op_type == "ArgMax") {
		return check_argmax(argmax, shape);
	}
	if next.iter().all(|n| is_postprocessing(&n.op_type)) {
		return Ok(());
	}
	if let [a, b] = next {
		let (flip, concat) = if a.op_type == "Concat" { (*b, *a) } else { (*a, *b) };
		if concat.op_type == "Concat" && matches!(flip.op_type.as_str(), "Sub" | "Mul" | "Neg") {
			return binary_tail(cur, flip, concat, constants, consumers, layers);
		}
	}
	let ops = next.iter().map(|n| format!("`{}`", n.op_type)).collect::<Vec<_>>().join(", ");
	if next.iter().any(|n| is_postprocessing(&n.op_type)) {
		return Err(ImportError::UnsupportedPostprocessing(format!(
			"tensor `{cur}` feeds {ops}; known are scikit-learn's tails (ArgMax, Softmax, ZipMap, \
			 ArrayFeatureExtractor; Sub(1, p) and Concat for binary classifiers) as skl2onnx exports \
			 them with default options or zipmap=False"
		)));
	}
	Err(ImportError::InvalidGraph(format!(
		"tensor `{cur}` feeds {} nodes ({ops}): the importer follows a single chain of operators, \
		 without branches or skip connections",
		next.len()
	)))
}

/// scikit-learn's binary classifiers compute one score `z` per input, build both class
/// columns from it and take their argmax:
/// - `p = Sigmoid(z)`, `Concat([Sub(1, p), p], axis 1)` (`MLPClassifier`,
///   `SGDClassifier(loss="log_loss")`): class 1 iff `p > 1 - p`, i.e. `z > 0`;
/// - `Concat([Mul(z, -1), z], axis 1)` (hinge-loss `SGDClassifier`, `Perceptron`): class 1
///   iff `z > 0`.
///
/// The dense layer computing `z` becomes a layer with the two outputs `[0, z]`: the
/// engine's argmax gives class 1 iff `z > 0`, and a tie (`z == 0`, `p == 0.5`) goes to
/// class 0, as onnxruntime's ArgMax of `[0.5, 0.5]` does. The sigmoid is dropped: it
/// does not change the sign, and its int8 table would only cost resolution near 0.5.
fn binary_tail<'g>(
	cur: &str,
	flip: &NodeProto,
	concat: &NodeProto,
	constants: &HashMap<&str, Constant>,
	consumers: &dyn Fn(&str) -> Vec<&'g NodeProto>,
	layers: &mut Vec<FloatLayer>,
) -> Result<(), ImportError> {
	let bad =
		|what: String| ImportError::UnsupportedPostprocessing(format!("binary classifier tail after `{cur}`: {what}"));
	let scalar = |name: &str| constants.get(name).filter(|c| c.values.len() == 1).map(|c| c.values[0]);
	let inputs: Vec<&str> = flip.input.iter().map(String::as_str).collect();
	let through_sigmoid = match (flip.op_type.as_str(), &inputs[..]) {
		("Sub", [one, x]) if *x == cur && scalar(one) == Some(1.0) => true,
		("Mul", [x, c] | [c, x]) if *x == cur && scalar(c) == Some(-1.0) => false,
		("Neg", [x]) if *x == cur => false,
		(op, _) => {
			return Err(bad(format!(
				"expected Sub(1, p), Mul(z, -1) or Neg(z) next to the Concat, found {op}({inputs:?})"
			)))
		}
	};
	let flipped = flip.output.first().map(String::as_str).unwrap_or("");
	let axis = attr_i(concat, "axis", 1);
	if concat.input.len() != 2 || concat.input[0] != flipped || concat.input[1] != cur || !(axis == 1 || axis == -1) {
		return Err(bad(format!(
			"expected Concat([{flipped}, {cur}], axis 1) (class 0 first), found Concat({:?}, axis {axis})",
			concat.input
		)));
	}
	if through_sigmoid {
		if layers.last() != Some(&FloatLayer::Sigmoid) {
			return Err(bad(format!("Sub(1, p) needs p = Sigmoid(z), but `{cur}` is not a sigmoid's output")));
		}
		layers.pop();
	}
	match layers.last_mut() {
		Some(FloatLayer::Dense { in_features, out_features, weights, bias }) if *out_features == 1 => {
			weights.splice(0..0, std::iter::repeat_n(0.0, *in_features));
			bias.insert(0, 0.0);
			*out_features = 2;
		}
		_ => return Err(bad("the score z must be the output of a dense layer with one output".into())),
	}
	// What uses the two columns must be post-processing too.
	let probabilities = concat.output.first().map(String::as_str).unwrap_or("");
	let after = consumers(probabilities);
	if let Some(argmax) = after.iter().find(|n| n.op_type == "ArgMax") {
		return check_argmax(argmax, &[2]);
	}
	if after.iter().all(|n| is_postprocessing(&n.op_type)) {
		return Ok(());
	}
	let ops = after.iter().map(|n| format!("`{}`", n.op_type)).collect::<Vec<_>>().join(", ");
	Err(bad(format!("the class columns `{probabilities}` feed {ops}, not an ArgMax")))
}

/// `LinearClassifier` (`ai.onnx.ml`), what skl2onnx emits for `LogisticRegression`,
/// `LinearSVC` and `RidgeClassifier` on float32 data: scores `x W^T + b`, one row of
/// `coefficients` per class (scikit-learn's binary models get two rows, `[-w, w]`).
/// onnxruntime's label is the argmax of these raw scores, first index on ties, whatever
/// the `post_transform` (`NONE`, `LOGISTIC`, `SOFTMAX`, `SOFTMAX_ZERO`, `PROBIT`: all
/// increasing, they shape the probabilities, not the label) and `multi_class`, so the
/// layer computes the scores. A binary model with a single row `z` (label 1 iff `z > 0` in
/// onnxruntime) gets the rows `[0, z]`, as in [`binary_tail`]. Returns the layer and the
/// integer class labels, if any (`classlabels_strings` give none).
fn linear_classifier(node: &NodeProto, n_in: usize) -> Result<(FloatLayer, Option<Vec<i64>>), ImportError> {
	let coefficients = attr(node, "coefficients").map(|a| a.floats.clone()).unwrap_or_default();
	let intercepts = attr(node, "intercepts").map(|a| a.floats.clone()).unwrap_or_default();
	let ints = attr_ints(node, "classlabels_ints").unwrap_or_default();
	let classes = ints.len().max(attr(node, "classlabels_strings").map_or(0, |a| a.strings.len()));
	if coefficients.is_empty() || n_in == 0 || !coefficients.len().is_multiple_of(n_in) {
		return Err(ImportError::Shape(format!(
			"LinearClassifier has {} coefficients for {n_in} inputs",
			coefficients.len()
		)));
	}
	let rows = coefficients.len() / n_in;
	let intercepts = if intercepts.is_empty() { vec![0.0; rows] } else { intercepts };
	if intercepts.len() != rows {
		return Err(unsupported(node, format!("{} intercepts for {rows} coefficient rows", intercepts.len())));
	}
	let (weights, bias) = match (rows, classes) {
		(r, c) if r == c && r >= 2 => (coefficients, intercepts),
		(1, 2) => ([vec![0.0; n_in], coefficients].concat(), vec![0.0, intercepts[0]]),
		(r, c) => return Err(unsupported(node, format!("{r} coefficient rows for {c} class labels"))),
	};
	let out_features = weights.len() / n_in;
	let labels = (!ints.is_empty()).then_some(ints);
	Ok((FloatLayer::Dense { in_features: n_in, out_features, weights, bias }, labels))
}

/// A bias of shape `[n]`, `[1, n]` or a scalar, as `n` values.
fn broadcast_bias(c: &Constant, n: usize, node: &NodeProto) -> Result<Vec<f64>, ImportError> {
	match c.values.len() {
		1 => Ok(vec![c.values[0]; n]),
		len if len == n => Ok(c.values.clone()),
		len => Err(unsupported(node, format!("bias of {len} values for {n} outputs"))),
	}
}

/// The ONNX shape of the tensor being followed around recurrent layers, with its batch and
/// direction axes (of extent 1: the engine has no batch, and imports one direction), and which
/// axis is time (`None` for a final hidden state). Only the time and feature (last) axes can
/// be longer than 1, so moving the other axes around, adding or removing them, never moves
/// a value: such operators are no-ops on the engine's `[steps, features]` or `[features]`.
#[derive(Debug, Clone)]
struct Layout {
	dims: Vec<usize>,
	time: Option<usize>,
}

impl Layout {
	fn steps(&self) -> Result<usize, ImportError> {
		self.time
			.and_then(|t| self.dims.get(t).copied())
			.ok_or_else(|| ImportError::Shape("a recurrent layer on a tensor without a time axis".into()))
	}

	fn engine_shape(&self) -> Vec<usize> {
		let features = self.dims.last().copied().unwrap_or(1);
		match self.time.and_then(|t| self.dims.get(t)) {
			Some(&steps) => vec![steps, features],
			None => vec![features],
		}
	}

	fn axis(&self, node: &NodeProto, a: f64) -> Result<usize, ImportError> {
		let rank = self.dims.len() as i64;
		let a = a as i64;
		let a = if a < 0 { a + rank } else { a };
		if !(0..rank).contains(&a) {
			return Err(unsupported(node, format!("axis {a} of a rank-{rank} tensor")));
		}
		Ok(a as usize)
	}

	/// The layout after a `Transpose`, `Squeeze`, `Unsqueeze` or `Gather`, and whether the
	/// operator took the last time step.
	fn apply(
		&self,
		node: &NodeProto,
		input: &dyn Fn(usize) -> Option<Vec<f64>>,
	) -> Result<(Layout, bool), ImportError> {
		let last = self.dims.len().saturating_sub(1);
		// Axes from the attribute (older opsets) or the second input (opset 13 and later).
		let axes = || attr_ints(node, "axes").map(|v| v.iter().map(|&a| a as f64).collect()).or_else(|| input(1));
		match node.op_type.as_str() {
			"Transpose" => {
				let perm = attr_ints(node, "perm").unwrap_or_else(|| (0..=last as i64).rev().collect());
				if perm.len() != self.dims.len() || perm.last() != Some(&(last as i64)) {
					return Err(unsupported(node, format!("perm {perm:?} moves the feature axis")));
				}
				let dims = perm.iter().map(|&p| self.dims.get(p as usize).copied().unwrap_or(0)).collect::<Vec<_>>();
				let time = self.time.and_then(|t| perm.iter().position(|&p| p as usize == t));
				Ok((Layout { dims, time }, false))
			}
			"Squeeze" | "Unsqueeze" => {
				let axes = axes().ok_or_else(|| unsupported(node, "axes not given as a constant"))?;
				let mut dims = self.dims.clone();
				let mut time = self.time;
				if node.op_type == "Squeeze" {
					let mut axes = axes.iter().map(|&a| self.axis(node, a)).collect::<Result<Vec<_>, _>>()?;
					axes.sort_unstable();
					for &a in axes.iter().rev() {
						if a == last || Some(a) == time || dims.get(a) != Some(&1) {
							return Err(unsupported(node, format!("squeezes axis {a} of {:?}", self.dims)));
						}
						dims.remove(a);
						time = time.map(|t| if a < t { t - 1 } else { t });
					}
				} else {
					for &a in &axes {
						let rank = dims.len() as i64 + 1;
						let a = if (a as i64) < 0 { a as i64 + rank } else { a as i64 };
						if !(0..rank - 1).contains(&a) {
							return Err(unsupported(node, format!("unsqueezes axis {a} of {dims:?}")));
						}
						dims.insert(a as usize, 1);
						time = time.map(|t| if (a as usize) <= t { t + 1 } else { t });
					}
				}
				Ok((Layout { dims, time }, false))
			}
			_ => {
				// Gather with a scalar index: the last time step, or index 0 of a unit axis.
				let axis = self.axis(node, attr_i(node, "axis", 0) as f64)?;
				let index = match input(1).as_deref() {
					Some(&[i]) => i as i64,
					_ => return Err(unsupported(node, "indices other than one constant scalar")),
				};
				let extent = self.dims.get(axis).copied().unwrap_or(0) as i64;
				let index = if index < 0 { index + extent } else { index };
				let took_last = Some(axis) == self.time;
				if axis == last || index != extent - 1 || (!took_last && extent != 1) {
					return Err(unsupported(node, format!("gathers index {index} of axis {axis} of {:?}", self.dims)));
				}
				let mut dims = self.dims.clone();
				dims.remove(axis);
				let time = if took_last { None } else { self.time.map(|t| if axis < t { t - 1 } else { t }) };
				Ok((Layout { dims, time }, took_last && extent > 0))
			}
		}
	}

	/// The layout after a `Reshape` to `target` that only adds or removes unit axes.
	fn reshape(&self, target: &[f64]) -> Option<Layout> {
		let total: usize = self.dims.iter().product();
		let known: usize = target
			.iter()
			.enumerate()
			.map(|(i, &d)| {
				if d == 0.0 {
					self.dims.get(i).copied().unwrap_or(1)
				} else if d < 0.0 {
					1
				} else {
					d as usize
				}
			})
			.product();
		let dims: Vec<usize> = target
			.iter()
			.enumerate()
			.map(|(i, &d)| {
				if d == 0.0 {
					self.dims.get(i).copied().unwrap_or(1)
				} else if d < 0.0 {
					total / known.max(1)
				} else {
					d as usize
				}
			})
			.collect();
		if dims.iter().product::<usize>() != total || dims.last() != self.dims.last() {
			return None;
		}
		let steps = self.time.and_then(|t| self.dims.get(t).copied());
		let inner = &dims[..dims.len() - 1];
		let time = match steps {
			None if inner.iter().all(|&d| d == 1) => None,
			None => return None,
			Some(s) => {
				let t = inner.iter().position(|&d| d == s)?;
				if inner.iter().enumerate().any(|(i, &d)| i != t && d != 1) {
					return None;
				}
				Some(t)
			}
		};
		Some(Layout { dims, time })
	}
}

/// An `LSTM` or `GRU` node as PyTorch exports `nn.LSTM` / `nn.GRU` (one layer each): forward,
/// `layout = 0` (time-major input), default activations, no clip, no peepholes, no sequence
/// lengths, a zero initial state (an all-zero constant, or one `Expand`ed to the batch), GRU
/// with `linear_before_reset = 1`. Returns the layer and which output the chain follows: `Y`
/// (0, every hidden state) or, if only it is used, `Y_h` (1, the last).
fn recurrent<'g>(
	node: &NodeProto,
	l: &Layout,
	constants: &HashMap<&str, Constant>,
	nodes: &'g [NodeProto],
	consumers: &dyn Fn(&str) -> Vec<&'g NodeProto>,
) -> Result<(FloatRecurrent, usize), ImportError> {
	let cell = if node.op_type == "LSTM" { Cell::Lstm } else { Cell::Gru };
	if l.time != Some(0) {
		return Err(unsupported(node, "a batch-major input (transpose it to [steps, batch, features])"));
	}
	let text = |name: &str| attr(node, name).map(|a| String::from_utf8_lossy(&a.s).into_owned());
	if text("direction").is_some_and(|d| d != "forward") {
		return Err(unsupported(node, "only forward direction (no bidirectional or reverse layers)"));
	}
	if attr_i(node, "layout", 0) != 0 {
		return Err(unsupported(node, "layout = 1"));
	}
	if attr(node, "clip").is_some() || attr_i(node, "input_forget", 0) != 0 {
		return Err(unsupported(node, "clip or input_forget"));
	}
	if let Some(a) = attr(node, "activations") {
		let names: Vec<String> = a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect();
		let default: &[&str] = if cell == Cell::Lstm { &["Sigmoid", "Tanh", "Tanh"] } else { &["Sigmoid", "Tanh"] };
		if names != default {
			return Err(unsupported(node, format!("activations {names:?}")));
		}
	}
	if cell == Cell::Gru && attr_i(node, "linear_before_reset", 0) != 1 {
		return Err(unsupported(
			node,
			"linear_before_reset = 0 (the engine computes PyTorch's GRU, linear_before_reset = 1)",
		));
	}
	let input = |i: usize| node.input.get(i).map(String::as_str).filter(|n| !n.is_empty());
	if input(4).is_some() {
		return Err(unsupported(node, "sequence_lens (every sequence runs all its steps)"));
	}
	if input(7).is_some() {
		return Err(unsupported(node, "peepholes"));
	}
	for i in [5, 6] {
		if let Some(name) = input(i) {
			if !is_zero(name, constants, nodes) {
				return Err(unsupported(node, format!("initial state `{name}` is not a constant zero")));
			}
		}
	}
	let get = |i: usize, what: &str| {
		input(i)
			.and_then(|n| constants.get(n))
			.ok_or_else(|| unsupported(node, format!("{what} is not a constant initializer")))
	};
	let (w, r) = (get(1, "W")?, get(2, "R")?);
	let (Ok(hidden), gates) = (usize::try_from(attr_i(node, "hidden_size", 0)), cell.gates()) else {
		return Err(unsupported(node, "hidden_size"));
	};
	let f = l.dims.last().copied().unwrap_or(0);
	let rows = gates * hidden;
	if hidden == 0 || w.dims != [1, rows, f] || r.dims != [1, rows, hidden] {
		return Err(ImportError::Shape(format!(
			"{} W {:?} / R {:?}: expected [1, {rows}, {f}] / [1, {rows}, {hidden}]",
			node.op_type, w.dims, r.dims
		)));
	}
	let (wb, rb) = match input(3) {
		Some(_) => {
			let b = get(3, "B")?;
			if b.dims != [1, 2 * rows] {
				return Err(ImportError::Shape(format!("{} B {:?}: expected [1, {}]", node.op_type, b.dims, 2 * rows)));
			}
			let b: Vec<f32> = b.values.iter().map(|&v| v as f32).collect();
			(b[..rows].to_vec(), b[rows..].to_vec())
		}
		None => (vec![0.0; rows], vec![0.0; rows]),
	};
	let follow = match node.output.iter().map(|o| !o.is_empty() && !consumers(o).is_empty()).collect::<Vec<_>>()[..] {
		[true] | [true, false] | [true, false, false] => 0,
		[false, true] | [false, true, false] => 1,
		_ => return Err(unsupported(node, "uses more than one of its outputs (or the cell state)")),
	};
	let layer = FloatRecurrent {
		cell,
		input_size: f,
		hidden_size: hidden,
		sequence: follow == 0,
		w: w.values.iter().map(|&v| v as f32).collect(),
		r: r.values.iter().map(|&v| v as f32).collect(),
		wb,
		rb,
	};
	Ok((layer, follow))
}

/// Whether `name` is an all-zero constant, or an `Expand` of one (its shape does not matter).
fn is_zero(name: &str, constants: &HashMap<&str, Constant>, nodes: &[NodeProto]) -> bool {
	if let Some(c) = constants.get(name) {
		return c.values.iter().all(|&v| v == 0.0);
	}
	nodes.iter().find(|n| n.output.iter().any(|o| o == name)).is_some_and(|n| {
		n.op_type == "Expand"
			&& n.input
				.first()
				.and_then(|i| constants.get(i.as_str()))
				.is_some_and(|c| c.values.iter().all(|&v| v == 0.0))
	})
}
