//! Importer tests against the committed fixtures (see fixtures/make_fixtures.py).

use modelchain_nn::{Bounds, Dataset, DatasetBounds, Labels, Metric, Model, Output};
use modelchain_nn_import::digits::{fixture, quantized_digits};
use modelchain_nn_import::quantize::{from_fixed, quantize, quantize_input, quantize_multiplier};
use modelchain_nn_import::*;

fn argmax(v: &[f32]) -> usize {
	v.iter().enumerate().fold(0, |b, (i, x)| if *x > v[b] { i } else { b })
}

#[test]
fn digits_quantized_accuracy_matches_float() {
	let (q, test) = quantized_digits().unwrap();
	let (_, y) = data::read_npy_file(fixture("digits_test_y.npy")).unwrap();
	let (_, ort) = data::read_npy_file(fixture("digits_test_ort_labels.npy")).unwrap();
	let n = y.len();
	assert_eq!(n, 360);
	let float_correct = y.iter().zip(&ort).filter(|(a, b)| a == b).count();
	let float_ppm = float_correct as u64 * 1_000_000 / n as u64;
	let q_ppm = Metric::Accuracy.evaluate(&q.model, &test).unwrap();
	let mut agree = 0;
	for i in 0..n as u32 {
		let (x, _) = test.sample(i).unwrap();
		if q.model.run(x).unwrap() == Output::Class(ort[i as usize] as u32) {
			agree += 1;
		}
	}
	println!("digits: float accuracy {float_ppm} ppm, quantized {q_ppm} ppm, top-1 agreement {agree}/{n}");
	assert!(q_ppm.abs_diff(float_ppm) <= 10_000, "float {float_ppm} vs quantized {q_ppm}");
	assert!(agree * 100 >= n * 98, "agreement {agree}/{n}");
}

#[test]
fn float_import_reproduces_onnxruntime() {
	let imported = onnx::import_file(fixture("digits_mlp.onnx"), &ImportOptions::default()).unwrap();
	assert_eq!(imported.network.task, Task::Classification);
	assert_eq!(imported.network.input_shape, vec![64]);
	assert_eq!(imported.class_labels, Some((0..10).collect()));
	let x = data::read_npy_table(fixture("digits_test_x.npy")).unwrap();
	let (_, ort) = data::read_npy_file(fixture("digits_test_ort_labels.npy")).unwrap();
	for (i, want) in ort.iter().enumerate().take(x.rows) {
		let y = imported.network.forward(x.row(i)).unwrap();
		assert_eq!(argmax(&y) as f32, *want, "sample {i}");
	}
}

#[test]
fn committed_blobs_are_current_and_small() {
	let (q, test) = quantized_digits().unwrap();
	let dir = fixture("../../nn/fixtures");
	let model = std::fs::read(dir.join("digits_mlp.bin")).unwrap();
	let data = std::fs::read(dir.join("digits_test.bin")).unwrap();
	assert!(model.len() < 100 * 1024);
	assert_eq!(
		model,
		q.model.encode_blob(),
		"regenerate with `cargo run -p modelchain-nn-import --example make_blobs`"
	);
	assert_eq!(data, test.encode_blob());
	let m = Model::decode_blob(&model, &Bounds::default()).unwrap();
	assert_eq!(m.input.shape, vec![64]);
	assert_eq!((m.input.scale, m.input.scale_shift, m.input.zero_point), (1 << 23, 27, -128));
	assert_eq!(Dataset::decode_blob(&data, &DatasetBounds::default()).unwrap(), test);
}

#[test]
fn diabetes_regression_stays_close() {
	let imported = onnx::import_file(fixture("diabetes_mlp.onnx"), &ImportOptions::default()).unwrap();
	assert_eq!(imported.network.task, Task::Regression);
	let calib = data::read_npy_table(fixture("diabetes_calib_x.npy")).unwrap();
	let q = quantize(&imported.network, &calib.to_rows(), &QuantConfig::default()).unwrap();
	let x = data::read_npy_table(fixture("diabetes_test_x.npy")).unwrap();
	let (_, y) = data::read_npy_file(fixture("diabetes_test_y.npy")).unwrap();
	let (_, ort) = data::read_npy_file(fixture("diabetes_test_ort.npy")).unwrap();
	let (mut float_mae, mut q_mae, mut gap) = (0f64, 0f64, 0f64);
	for i in 0..x.rows {
		let f = imported.network.forward(x.row(i)).unwrap()[0];
		assert!((f - ort[i]).abs() < 1e-3 * ort[i].abs().max(1.0), "float import differs from onnxruntime");
		let Output::Regression(v) = q.model.run(&quantize_input(&q.model.input, x.row(i))).unwrap() else { panic!() };
		let p = from_fixed(v[0]);
		float_mae += (ort[i] - y[i]).abs() as f64;
		q_mae += (p - y[i]).abs() as f64;
		gap += (p - ort[i]).abs() as f64;
	}
	let n = x.rows as f64;
	let (float_mae, q_mae, gap) = (float_mae / n, q_mae / n, gap / n);
	println!("diabetes: float MAE {float_mae:.3}, quantized MAE {q_mae:.3}, mean |quantized - float| {gap:.3}");
	// The targets span about 25..346; int8 output steps are ~1.3 of that.
	assert!(gap < 3.0, "mean gap {gap}");
	assert!((q_mae - float_mae).abs() < 0.03 * float_mae, "MAE {q_mae} vs {float_mae}");
	// The engine's own metric agrees with the float computation above.
	let ds = data::regression_dataset(&q.model.input, &x, &y, 1).unwrap();
	let mae = Metric::MeanAbsoluteError.evaluate(&q.model, &ds).unwrap();
	assert!((from_fixed(mae as i32) as f64 - q_mae).abs() < 0.01, "engine MAE {mae}");
}

/// Imports a PyTorch-style graph, checks the float import against onnxruntime and the
/// quantized model against both. Inputs are `u8` images scaled by `1 / divisor`.
fn check_torch(name: &str, divisor: f32, min_agreement: usize) {
	let imported =
		onnx::import_file(fixture(&format!("{name}.onnx")), &ImportOptions { task: Some(Task::Classification) })
			.unwrap();
	let (shape, x) = data::read_npy_file(fixture(&format!("{name}_x_u8.npy"))).unwrap();
	let (_, ort) = data::read_npy_file(fixture(&format!("{name}_ort.npy"))).unwrap();
	let n = shape[0] as usize;
	let per = x.len() / n;
	let rows: Vec<Vec<f32>> = x.chunks(per).map(|r| r.iter().map(|v| v / divisor).collect()).collect();
	let q = quantize(&imported.network, &rows, &QuantConfig::default()).unwrap();
	let (mut agree, mut worst) = (0, 0f32);
	for (i, row) in rows.iter().enumerate() {
		let want = &ort[i * 10..(i + 1) * 10];
		let f = imported.network.forward(row).unwrap();
		for (a, b) in f.iter().zip(want) {
			assert!((a - b).abs() < 1e-4, "{name}: float import differs from onnxruntime: {a} vs {b}");
		}
		let raw = q.model.run_raw(&quantize_input(&q.model.input, row)).unwrap();
		let deq = q.dequantize_output(&raw);
		let range = want.iter().fold(0f32, |m, v| m.max(v.abs()));
		for (a, b) in deq.iter().zip(want) {
			worst = worst.max((a - b).abs() / range);
		}
		if q.model.run(&quantize_input(&q.model.input, row)).unwrap() == Output::Class(argmax(want) as u32) {
			agree += 1;
		}
	}
	println!("{name}: top-1 agreement {agree}/{n}, worst relative output error {worst:.3}");
	assert!(agree * 100 >= n * min_agreement, "{name}: agreement {agree}/{n}");
	assert!(worst < 0.15, "{name}: worst relative error {worst}");
}

#[test]
fn torch_style_mlp_with_sigmoid_and_tanh() {
	let imported = onnx::import_file(fixture("torch_mlp.onnx"), &ImportOptions::default()).unwrap();
	assert_eq!(imported.network.input_shape, vec![1, 8, 8]);
	assert_eq!(imported.network.layers.len(), 8);
	assert!(
		imported.network.layers.contains(&FloatLayer::Sigmoid) && imported.network.layers.contains(&FloatLayer::Tanh)
	);
	check_torch("torch_mlp", 16.0, 90);
}

#[test]
fn torch_style_cnn() {
	let imported = onnx::import_file(fixture("torch_cnn.onnx"), &ImportOptions::default()).unwrap();
	assert_eq!(imported.network.input_shape, vec![1, 28, 28]);
	assert_eq!(imported.network.shapes().unwrap().last(), Some(&vec![10]));
	check_torch("torch_cnn", 255.0, 90);
}

#[test]
fn unsupported_operator_is_named() {
	let err = onnx::import_file(fixture("unsupported_leakyrelu.onnx"), &ImportOptions::default()).unwrap_err();
	assert!(matches!(&err, ImportError::UnsupportedOperator(op) if op == "LeakyRelu"), "{err:?}");
	assert!(err.to_string().contains("LeakyRelu"));
	assert!(matches!(onnx::import(b"not a model", &ImportOptions::default()), Err(ImportError::InvalidGraph(_))));
}

#[test]
fn csv_matches_npy() {
	let (table, labels) = data::read_csv_file(fixture("digits_test_head.csv"), true, Some(64)).unwrap();
	assert_eq!((table.rows, table.columns), (20, 64));
	let x = data::read_npy_table(fixture("digits_test_x.npy")).unwrap();
	let (_, y) = data::read_npy_file(fixture("digits_test_y.npy")).unwrap();
	for i in 0..20 {
		let want: Vec<f32> = x.row(i).iter().map(|v| v * 16.0).collect();
		assert_eq!(table.row(i), &want[..]);
	}
	assert_eq!(labels.unwrap(), y[..20].to_vec());
	// Errors: a ragged row and a non-number.
	assert!(matches!(data::read_csv("1,2\n3\n".as_bytes(), false, None), Err(ImportError::Data(_))));
	assert!(matches!(data::read_csv("1,x\n".as_bytes(), false, None), Err(ImportError::Data(_))));
	let (t, l) = data::read_csv("a,b,y\n1,2,0\n3,4,1\n".as_bytes(), true, Some(2)).unwrap();
	assert_eq!((t.values, l), (vec![1.0, 2.0, 3.0, 4.0], Some(vec![0.0, 1.0])));
}

#[test]
fn npy_dtypes() {
	let (shape, v) = data::read_npy_file(fixture("torch_cnn_x_u8.npy")).unwrap();
	assert_eq!(shape, vec![32, 1, 28, 28]);
	assert_eq!(v.len(), 32 * 784);
	assert!(v.iter().all(|&p| (0.0..=255.0).contains(&p) && p.fract() == 0.0));
	assert_eq!(v.iter().cloned().fold(0f32, f32::max), 255.0);
	let (shape, y) = data::read_npy_file(fixture("digits_test_y.npy")).unwrap(); // int64
	assert_eq!(shape, vec![360]);
	assert!(y.iter().all(|&c| (0.0..10.0).contains(&c)));
	let (shape, x) = data::read_npy_file(fixture("digits_test_x.npy")).unwrap(); // float32
	assert_eq!(shape, vec![360, 64]);
	assert!(x.iter().all(|&p| (p * 16.0).fract() == 0.0 && (0.0..=1.0).contains(&p)));
	assert!(matches!(data::read_npy(b"\x93NUMPY garbage"), Err(ImportError::Data(_))));
	// Class datasets from them carry the labels through.
	let (q, _) = quantized_digits().unwrap();
	let t = data::read_npy_table(fixture("digits_test_x.npy")).unwrap();
	let ds = data::class_dataset(&q.model.input, &t, &y).unwrap();
	assert_eq!(ds.samples(), Ok(360));
	let Labels::Class(l) = &ds.labels else { panic!() };
	assert_eq!(l[0] as f32, y[0]);
	// Digit pixels quantize exactly to pixel - 128.
	assert_eq!(ds.inputs[0] as f32, x[0] * 16.0 - 128.0);
}

#[test]
fn per_channel_beats_per_tensor_on_unbalanced_rows() {
	// Row 0 has weights 100x smaller than row 1: one scale for both wastes row 0's bits.
	let net = FloatNetwork {
		input_shape: vec![4],
		layers: vec![FloatLayer::Dense {
			in_features: 4,
			out_features: 2,
			weights: vec![0.013, -0.021, 0.007, 0.017, 1.3, -2.1, 0.7, 1.7],
			bias: vec![0.0, 0.0],
		}],
		task: Task::Regression,
	};
	let calib: Vec<Vec<f32>> =
		(0..50).map(|i| (0..4).map(|j| ((i * 7 + j * 3) % 11) as f32 / 10.0 - 0.5).collect()).collect();
	let row0 = |per_channel: bool| {
		let q = quantize(&net, &calib, &QuantConfig { per_channel, input: InputQuant::Calibrated }).unwrap();
		let modelchain_nn::Layer::Dense(d) = &q.model.layers[0] else { panic!() };
		assert_eq!(d.requant.len(), if per_channel { 2 } else { 1 });
		d.weights[..4].to_vec()
	};
	// Per channel, row 0 uses the whole int8 range: 0.021 -> -127 and the others in
	// proportion. Per tensor it shares row 1's scale (2.1 / 127) and collapses to 0 and +-1.
	assert_eq!(row0(true), vec![79, -127, 42, 103]);
	assert_eq!(row0(false), vec![1, -1, 0, 1]);
}

#[test]
fn multipliers() {
	let m = quantize_multiplier(0.5);
	assert_eq!((m.multiplier, m.shift), (1 << 30, 31));
	let m = quantize_multiplier(1.0 / 16.0);
	assert_eq!((m.multiplier, m.shift), (1 << 30, 34));
	let m = quantize_multiplier(0.3);
	let back = m.multiplier as f64 / 2f64.powi(m.shift as i32);
	assert!((back - 0.3).abs() < 1e-9 && m.multiplier >= 1 << 30);
	assert_eq!(quantize_multiplier(0.0).multiplier, 0);
	assert_eq!(quantize_multiplier(f64::NAN).multiplier, 0);
	let tiny = quantize_multiplier(1e-80);
	assert_eq!(tiny.shift, 255);
}
