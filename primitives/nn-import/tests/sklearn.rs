//! scikit-learn exports beyond the multiclass MLP: binary classifiers (the skl2onnx tails
//! `Sigmoid -> Sub(1, p) / Concat -> ArgMax` and `Mul(z, -1) / Concat`), `LinearClassifier`
//! (LogisticRegression, LinearSVC), float64 exports, an MLPRegressor exported from float64
//! data, and the errors for tails the engine cannot reproduce. Fixtures: `make_fixtures.py`
//! groups `cancer`, `digits_logreg`, `friedman` and `multilabel`.
//!
//! Accuracy is compared with onnxruntime's float predictions on the held-out set; the
//! printed figures (`cargo test ... -- --nocapture`) are the ones in the README.

use modelchain_nn::{Metric, Output};
use modelchain_nn_import::digits::fixture;
use modelchain_nn_import::float::sigmoid;
use modelchain_nn_import::quantize::{from_fixed, quantize, quantize_input};
use modelchain_nn_import::*;
use onnx_protobuf::tensor_shape_proto::{dimension, Dimension};
use onnx_protobuf::type_proto::{self, Value};
use onnx_protobuf::{
	AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto,
	TypeProto, ValueInfoProto,
};

fn argmax(v: &[f32]) -> usize {
	v.iter().enumerate().fold(0, |b, (i, x)| if *x > v[b] { i } else { b })
}

/// Accuracy in parts per million, rounded down as the engine's metric does.
fn ppm(correct: usize, n: usize) -> u64 {
	correct as u64 * 1_000_000 / n as u64
}

/// Measured on one classifier fixture.
struct Measured {
	/// onnxruntime's float accuracy (ppm).
	float_ppm: u64,
	/// The quantized model's accuracy (ppm), by the engine's metric.
	quantized_ppm: u64,
	/// Samples where the quantized class equals onnxruntime's.
	agree: usize,
	/// Test samples.
	n: usize,
}

/// Imports `<name>.onnx` with the default options, checks that the float network gives
/// onnxruntime's label for every test sample, quantizes it on the calibration set and
/// measures it on the held-out set.
fn check_classifier(name: &str, data_prefix: &str, calib: &str, config: &QuantConfig) -> (Imported, Measured) {
	let imported = onnx::import_file(fixture(&format!("{name}.onnx")), &ImportOptions::default()).unwrap();
	assert_eq!(imported.network.task, Task::Classification, "{name}");
	let x = data::read_npy_table(fixture(&format!("{data_prefix}_test_x.npy"))).unwrap();
	let (_, y) = data::read_npy_file(fixture(&format!("{data_prefix}_test_y.npy"))).unwrap();
	let (_, ort) = data::read_npy_file(fixture(&format!("{name}_ort_labels.npy"))).unwrap();
	let n = x.rows;
	assert_eq!((y.len(), ort.len()), (n, n));
	for (i, want) in ort.iter().enumerate() {
		let out = imported.network.forward(x.row(i)).unwrap();
		assert_eq!(argmax(&out) as f32, *want, "{name}: float import differs from onnxruntime on sample {i}");
	}
	let calib = data::read_npy_table(fixture(calib)).unwrap();
	let q = quantize(&imported.network, &calib.to_rows(), config).unwrap();
	let test = data::class_dataset(&q.model.input, &x, &y).unwrap();
	let quantized_ppm = Metric::Accuracy.evaluate(&q.model, &test).unwrap();
	let float_ppm = ppm(y.iter().zip(&ort).filter(|(a, b)| a == b).count(), n);
	let agree = (0..n)
		.filter(|&i| q.model.run(test.sample(i as u32).unwrap().0).unwrap() == Output::Class(ort[i] as u32))
		.count();
	println!(
		"{name}: onnxruntime float accuracy {:.2} %, quantized {:.2} %, agreement with onnxruntime {agree}/{n}",
		float_ppm as f64 / 1e4,
		quantized_ppm as f64 / 1e4
	);
	(imported, Measured { float_ppm, quantized_ppm, agree, n })
}

/// The breast cancer fixtures: 30 standardized features, 171 held-out samples.
fn check_cancer(name: &str) -> (Imported, Measured) {
	let (imported, m) = check_classifier(name, "cancer", "cancer_calib_x.npy", &QuantConfig::default());
	assert_eq!(imported.class_labels, Some(vec![0, 1]), "{name}");
	assert_eq!(imported.network.input_shape, vec![30]);
	assert_eq!(imported.network.shapes().unwrap().last(), Some(&vec![2]), "{name}: two class columns");
	assert_eq!(m.n, 171);
	// Within 1 percentage point (10_000 ppm) of onnxruntime, and at most 2 of the 171
	// predictions differ from it.
	assert!(m.quantized_ppm.abs_diff(m.float_ppm) <= 10_000, "{name}: float {} vs {}", m.float_ppm, m.quantized_ppm);
	assert!(m.agree + 2 >= m.n, "{name}: agreement {}/{}", m.agree, m.n);
	(imported, m)
}

/// P(class 1) from onnxruntime against the sigmoid of the imported score `z`, the second
/// of the two columns (`[0, z]` for the MLP, `[-z, z]` for LogisticRegression).
fn check_probabilities(imported: &Imported, name: &str) {
	let x = data::read_npy_table(fixture("cancer_test_x.npy")).unwrap();
	let (_, p) = data::read_npy_file(fixture(&format!("{name}_ort_proba.npy"))).unwrap();
	let mut worst = 0f32;
	for (i, want) in p.iter().enumerate() {
		let z = imported.network.forward(x.row(i)).unwrap()[1];
		worst = worst.max((sigmoid(z) - want).abs());
	}
	assert!(worst < 1e-5, "{name}: probabilities differ from onnxruntime by up to {worst}");
}

/// skl2onnx's default export of a binary `MLPClassifier` (ZipMap output). Before the
/// binary tail was recognised this failed with `InvalidGraph("tensor ... feeds 2 nodes")`.
#[test]
fn binary_mlp_classifier_within_one_point_of_onnxruntime() {
	let (imported, m) = check_cancer("cancer_mlp");
	// Dense(30 -> 16), Relu, then the single-logit layer as [0, z]; the Sigmoid is gone.
	let layers = &imported.network.layers;
	assert_eq!(layers.len(), 3);
	assert_eq!(layers[1], FloatLayer::Relu);
	let FloatLayer::Dense { in_features: 16, out_features: 2, weights, bias } = &layers[2] else {
		panic!("{:?}", layers[2])
	};
	assert!(weights[..16].iter().all(|&w| w == 0.0) && bias[0] == 0.0);
	check_probabilities(&imported, "cancer_mlp");
	assert_eq!((m.float_ppm, m.quantized_ppm, m.agree), (953_216, 953_216, 171));
}

/// skl2onnx's default export of a binary `LogisticRegression`: `LinearClassifier` (two
/// rows, `[-w, w]`, post_transform LOGISTIC) then ZipMap.
#[test]
fn logistic_regression_within_one_point_of_onnxruntime() {
	let (imported, m) = check_cancer("cancer_logreg");
	let [FloatLayer::Dense { in_features: 30, out_features: 2, weights, bias }] = &imported.network.layers[..] else {
		panic!("{:?}", imported.network.layers)
	};
	assert!(weights[..30].iter().zip(&weights[30..]).all(|(a, b)| *a == -b) && bias[0] == -bias[1]);
	check_probabilities(&imported, "cancer_logreg");
	// The two disagreements are the two test samples closest to the boundary (|z| = 0.003
	// and 0.04, p within 0.01 of 0.5), flipped by the int8 input quantization alone, one
	// each way.
	assert_eq!((m.float_ppm, m.quantized_ppm, m.agree), (959_064, 959_064, 169));
}

/// The same two models exported from float64 data with `zipmap=False`: the MLP graph is
/// all double (Cast to double first), LogisticRegression becomes MatMul/Add feeding ArgMax
/// and a Sigmoid-and-normalize probability branch. Both import to exactly the float32
/// exports' networks (the weights are the same f64 values rounded to f32).
#[test]
fn float64_zipmap_free_exports_import_the_same_networks() {
	for (name, f32_name) in [("cancer_mlp_f64", "cancer_mlp"), ("cancer_logreg_f64", "cancer_logreg")] {
		let (imported, _) = check_cancer(name);
		let reference = onnx::import_file(fixture(&format!("{f32_name}.onnx")), &ImportOptions::default()).unwrap();
		assert_eq!(imported.network, reference.network, "{name}");
	}
}

/// Hinge-loss `SGDClassifier` (as `Perceptron`): `Concat([Mul(z, -1), z])`; `LinearSVC`:
/// `LinearClassifier` without probabilities, then ArrayFeatureExtractor on the scores.
#[test]
fn other_binary_linear_classifiers() {
	for name in ["cancer_sgd", "cancer_linearsvc"] {
		let (imported, _) = check_cancer(name);
		assert_eq!(imported.network.layers.len(), 1, "{name}");
	}
}

/// Multinomial `LogisticRegression` on digits: `LinearClassifier` with ten rows
/// (post_transform SOFTMAX), then Normalizer. Inputs quantize exactly (see `digits::INPUT`).
#[test]
fn multiclass_logistic_regression_on_digits() {
	let config = QuantConfig { per_channel: true, input: digits::INPUT };
	let (imported, m) = check_classifier("digits_logreg", "digits", "digits_calib_x.npy", &config);
	assert_eq!(imported.class_labels, Some((0..10).collect()));
	assert!(matches!(imported.network.layers[..], [FloatLayer::Dense { in_features: 64, out_features: 10, .. }]));
	assert!(m.quantized_ppm.abs_diff(m.float_ppm) <= 10_000, "float {} vs {}", m.float_ppm, m.quantized_ppm);
	assert!(m.agree * 100 >= m.n * 98, "agreement {}/{}", m.agree, m.n);
}

/// An `MLPRegressor` (two tanh hidden layers) exported straight from float64 data, as
/// `to_onnx(model, X[:1])` does for NumPy's default dtype: the graph casts the input to
/// double, which used to end the import with no layers at all.
///
/// Measure: mean absolute error against the targets, the quantized model's next to
/// onnxruntime's float model's. It is the error the chain scores regression models with
/// (`Metric::MeanAbsoluteError`), in the targets' units, and unlike the squared error it
/// is not dominated by the few largest residuals; the mean |quantized - float| gap shows
/// the quantization error on its own.
#[test]
fn float64_mlp_regressor_stays_close() {
	let imported = onnx::import_file(fixture("friedman_mlp.onnx"), &ImportOptions::default()).unwrap();
	assert_eq!(imported.network.task, Task::Regression);
	assert_eq!(imported.class_labels, None);
	let kinds: Vec<_> = imported.network.layers.iter().map(std::mem::discriminant).collect();
	let dense = std::mem::discriminant(&imported.network.layers[0]);
	let tanh = std::mem::discriminant(&FloatLayer::Tanh);
	assert_eq!(kinds, vec![dense, tanh, dense, tanh, dense]);
	let calib = data::read_npy_table(fixture("friedman_calib_x.npy")).unwrap();
	let q = quantize(&imported.network, &calib.to_rows(), &QuantConfig::default()).unwrap();
	let x = data::read_npy_table(fixture("friedman_test_x.npy")).unwrap();
	let (_, y) = data::read_npy_file(fixture("friedman_test_y.npy")).unwrap();
	let (_, ort) = data::read_npy_file(fixture("friedman_test_ort.npy")).unwrap();
	assert_eq!((x.rows, y.len(), ort.len()), (200, 200, 200));
	let (mut float_mae, mut q_mae, mut gap, mut float_se, mut q_se) = (0f64, 0f64, 0f64, 0f64, 0f64);
	for i in 0..x.rows {
		let f = imported.network.forward(x.row(i)).unwrap()[0];
		assert!(
			(f - ort[i]).abs() < 1e-4 * ort[i].abs().max(1.0),
			"float import differs from onnxruntime: {f} vs {}",
			ort[i]
		);
		let Output::Regression(v) = q.model.run(&quantize_input(&q.model.input, x.row(i))).unwrap() else { panic!() };
		let p = from_fixed(v[0]);
		float_mae += (ort[i] - y[i]).abs() as f64;
		q_mae += (p - y[i]).abs() as f64;
		gap += (p - ort[i]).abs() as f64;
		float_se += ((ort[i] - y[i]) as f64).powi(2);
		q_se += ((p - y[i]) as f64).powi(2);
	}
	let n = x.rows as f64;
	let (float_mae, q_mae, gap) = (float_mae / n, q_mae / n, gap / n);
	let (float_rmse, q_rmse) = ((float_se / n).sqrt(), (q_se / n).sqrt());
	println!(
		"friedman_mlp: onnxruntime float MAE {float_mae:.4} (RMSE {float_rmse:.4}), quantized MAE {q_mae:.4} \
		 (RMSE {q_rmse:.4}), mean |quantized - float| {gap:.4}"
	);
	// Targets span about 1..28 (int8 output steps of ~0.1); the noise alone gives an MAE of
	// about 0.8.
	assert!(gap < 0.25, "mean gap {gap}");
	assert!(q_mae <= float_mae * 1.05, "MAE {q_mae} vs {float_mae}");
	let ds = data::regression_dataset(&q.model.input, &x, &y, 1).unwrap();
	let mae = Metric::MeanAbsoluteError.evaluate(&q.model, &ds).unwrap();
	assert!((from_fixed(mae as i32) as f64 - q_mae).abs() < 0.001, "engine MAE {mae}");
}

// Small hand-built graphs for the tie rule, the single-row LinearClassifier and the errors.

fn attr_i(name: &str, i: i64) -> AttributeProto {
	AttributeProto { name: name.into(), i, ..Default::default() }
}

fn attr_floats(name: &str, floats: &[f32]) -> AttributeProto {
	AttributeProto { name: name.into(), floats: floats.to_vec(), ..Default::default() }
}

fn attr_ints(name: &str, ints: &[i64]) -> AttributeProto {
	AttributeProto { name: name.into(), ints: ints.to_vec(), ..Default::default() }
}

fn node(op: &str, inputs: &[&str], outputs: &[&str], attribute: Vec<AttributeProto>) -> NodeProto {
	NodeProto {
		op_type: op.into(),
		input: inputs.iter().map(|s| s.to_string()).collect(),
		output: outputs.iter().map(|s| s.to_string()).collect(),
		attribute,
		..Default::default()
	}
}

fn tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
	TensorProto {
		name: name.into(),
		dims: dims.to_vec(),
		data_type: 1,
		float_data: values.to_vec(),
		..Default::default()
	}
}

/// A model with input `X` of shape `[batch, features]`.
fn model(features: i64, nodes: Vec<NodeProto>, initializer: Vec<TensorProto>) -> Vec<u8> {
	let dims = [None, Some(features)]
		.iter()
		.map(|d| Dimension {
			value: Some(match d {
				Some(v) => dimension::Value::DimValue(*v),
				None => dimension::Value::DimParam("batch".into()),
			}),
			..Default::default()
		})
		.collect();
	let tensor_type = type_proto::Tensor {
		elem_type: 1,
		shape: Some(TensorShapeProto { dim: dims, ..Default::default() }).into(),
		..Default::default()
	};
	let input = ValueInfoProto {
		name: "X".into(),
		type_: Some(TypeProto { value: Some(Value::TensorType(tensor_type)), ..Default::default() }).into(),
		..Default::default()
	};
	let last = nodes.last().and_then(|n| n.output.first()).cloned().unwrap_or_default();
	let graph = GraphProto {
		name: "g".into(),
		node: nodes,
		initializer,
		input: vec![input],
		output: vec![ValueInfoProto { name: last, ..Default::default() }],
		..Default::default()
	};
	ModelProto {
		ir_version: 8,
		opset_import: vec![OperatorSetIdProto { version: 17, ..Default::default() }],
		graph: Some(graph).into(),
		..Default::default()
	}
	.write_to_bytes()
	.unwrap()
}

/// skl2onnx's binary MLP tail on `z = x0 - x1`, with the Concat inputs in `concat` order
/// and `one` as the constant of `Sub(one, p)`.
fn binary_graph(concat: [&str; 2], one: f32) -> Vec<u8> {
	let nodes = vec![
		node("MatMul", &["X", "w"], &["m"], vec![]),
		node("Add", &["m", "b"], &["z"], vec![]),
		node("Sigmoid", &["z"], &["p"], vec![]),
		node("Sub", &["unity", "p"], &["q"], vec![]),
		node("Concat", &concat, &["probabilities"], vec![attr_i("axis", 1)]),
		node("ArgMax", &["probabilities"], &["label"], vec![attr_i("axis", 1)]),
	];
	let inits = vec![tensor("w", &[2, 1], &[1.0, -1.0]), tensor("b", &[1], &[0.0]), tensor("unity", &[], &[one])];
	model(2, nodes, inits)
}

/// onnxruntime's ArgMax of `[1 - p, p]` picks class 0 when `p == 0.5` (`z == 0`); so do
/// the imported float network and the quantized model.
#[test]
fn binary_tie_goes_to_class_zero() {
	let imported = onnx::import(&binary_graph(["q", "p"], 1.0), &ImportOptions::default()).unwrap();
	assert_eq!(imported.network.task, Task::Classification);
	assert_eq!(
		imported.network.layers,
		vec![FloatLayer::Dense {
			in_features: 2,
			out_features: 2,
			weights: vec![0.0, 0.0, 1.0, -1.0],
			bias: vec![0.0, 0.0]
		}]
	);
	let calib: Vec<Vec<f32>> = (0..21).map(|i| vec![i as f32 / 20.0, 1.0 - i as f32 / 20.0]).collect();
	let q = quantize(&imported.network, &calib, &QuantConfig::default()).unwrap();
	for (x, class) in [([0.5, 0.5], 0), ([0.25, 0.25], 0), ([0.75, 0.25], 1), ([0.25, 0.75], 0)] {
		assert_eq!(argmax(&imported.network.forward(&x).unwrap()), class, "{x:?}");
		assert_eq!(q.model.run(&quantize_input(&q.model.input, &x)).unwrap(), Output::Class(class as u32), "{x:?}");
	}
}

/// A binary `LinearClassifier` with a single coefficient row (onnxruntime: label 1 iff the
/// score is positive) predicts like skl2onnx's two-row `[-w, w]` export of the same model.
#[test]
fn single_row_linear_classifier() {
	let two = onnx::import_file(fixture("cancer_logreg.onnx"), &ImportOptions::default()).unwrap();
	let [FloatLayer::Dense { weights, bias, .. }] = &two.network.layers[..] else { panic!() };
	let attrs = vec![
		attr_floats("coefficients", &weights[30..]),
		attr_floats("intercepts", &bias[1..]),
		attr_ints("classlabels_ints", &[0, 1]),
	];
	let one_row = model(30, vec![node("LinearClassifier", &["X"], &["label", "scores"], attrs)], vec![]);
	let one = onnx::import(&one_row, &ImportOptions::default()).unwrap();
	assert_eq!(one.class_labels, Some(vec![0, 1]));
	let x = data::read_npy_table(fixture("cancer_test_x.npy")).unwrap();
	let (_, ort) = data::read_npy_file(fixture("cancer_logreg_ort_labels.npy")).unwrap();
	for (i, want) in ort.iter().enumerate() {
		let out = one.network.forward(x.row(i)).unwrap();
		assert_eq!(out[0], 0.0);
		assert_eq!(argmax(&out) as f32, *want, "sample {i}");
	}
}

#[test]
fn unsupported_tails_are_named() {
	let opts = ImportOptions::default();
	// A multi-label MLPClassifier: Sigmoid -> Binarizer.
	let err = onnx::import_file(fixture("unsupported_multilabel_mlp.onnx"), &opts).unwrap_err();
	assert!(matches!(&err, ImportError::UnsupportedPostprocessing(s) if s.contains("Binarizer")), "{err:?}");
	assert!(err.to_string().contains("multi-label"), "{err}");
	// Class 1 first ([p, 1 - p]) and 2 - p are not scikit-learn's tails.
	for (graph, what) in [(binary_graph(["p", "q"], 1.0), "Concat"), (binary_graph(["q", "p"], 2.0), "Sub(1, p)")] {
		let err = onnx::import(&graph, &opts).unwrap_err();
		assert!(matches!(&err, ImportError::UnsupportedPostprocessing(s) if s.contains(what)), "{err:?}");
	}
	// ArgMax keeping the last of equal values.
	let nodes = vec![
		node("MatMul", &["X", "w"], &["z"], vec![]),
		node("ArgMax", &["z"], &["label"], vec![attr_i("axis", 1), attr_i("select_last_index", 1)]),
	];
	let err = onnx::import(&model(2, nodes, vec![tensor("w", &[2, 2], &[1.0; 4])]), &opts).unwrap_err();
	assert!(matches!(&err, ImportError::UnsupportedAttribute { op, .. } if op == "ArgMax"), "{err:?}");
	// A branch that is no post-processing.
	let nodes = vec![
		node("MatMul", &["X", "w"], &["z"], vec![]),
		node("Relu", &["z"], &["a"], vec![]),
		node("Sigmoid", &["z"], &["b"], vec![]),
	];
	let err = onnx::import(&model(2, nodes, vec![tensor("w", &[2, 2], &[1.0; 4])]), &opts).unwrap_err();
	assert!(matches!(&err, ImportError::InvalidGraph(s) if s.contains("single chain")), "{err:?}");
	// A Pipeline's StandardScaler: the message says what to do.
	let nodes = vec![node("Scaler", &["X"], &["s"], vec![attr_floats("offset", &[0.0, 0.0])])];
	let err = onnx::import(&model(2, nodes, vec![]), &opts).unwrap_err();
	assert!(matches!(&err, ImportError::UnsupportedOperator(op) if op == "Scaler"), "{err:?}");
	assert!(err.to_string().contains("export the final estimator alone"), "{err}");
	// Nothing before the labels: an error, not an empty network.
	let nodes = vec![node("Cast", &["X"], &["i"], vec![attr_i("to", 7)]), node("ArgMax", &["i"], &["l"], vec![])];
	let err = onnx::import(&model(2, nodes, vec![]), &opts).unwrap_err();
	assert!(matches!(&err, ImportError::InvalidGraph(s) if s.contains("no layer")), "{err:?}");
}
