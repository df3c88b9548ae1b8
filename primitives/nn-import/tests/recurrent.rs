//! Recurrent forecasters exported by `torch.onnx.export` (fixtures from `make_forecaster.py`:
//! next year's sunspot number from the previous 12 years, statsmodels' yearly series): the
//! LSTM through both of PyTorch's exporters and a GRU. Each imports into the float network
//! onnxruntime computes, and quantized it forecasts within 5 % of the float model's MAE.
//! `cargo test -p modelchain-nn-import --test recurrent -- --nocapture` prints the figures
//! the README quotes.

use modelchain_nn::{Layer, Metric, Output};
use modelchain_nn_import::digits::fixture;
use modelchain_nn_import::quantize::{from_fixed, quantize, quantize_input};
use modelchain_nn_import::*;

/// Sunspot numbers are stored divided by 100.
const UNIT: f64 = 100.0;

/// A single recurrent layer of `cell`, 1 -> 16, then a dense 16 -> 1.
fn single(cell: Cell) -> impl Fn(&[FloatLayer]) -> bool {
	move |layers| match layers {
		[FloatLayer::Recurrent(r), FloatLayer::Dense { in_features: 16, out_features: 1, .. }] => {
			(r.cell, r.input_size, r.hidden_size, r.sequence) == (cell, 1, 16, false)
		}
		_ => false,
	}
}

/// Imports `sunspots_<name>.onnx`, checks its layers with `expected` and its float outputs
/// against onnxruntime's, quantizes it on the training windows and compares the forecast
/// errors.
fn forecaster(name: &str, expected: impl Fn(&[FloatLayer]) -> bool) {
	let imported = onnx::import_file(fixture(&format!("sunspots_{name}.onnx")), &ImportOptions::default()).unwrap();
	let net = &imported.network;
	assert_eq!((net.task, net.input_shape.as_slice()), (Task::Regression, &[12usize, 1][..]));
	assert!(expected(&net.layers), "{name}: imported as {:?}", net.layers);
	let calib = data::read_npy_table(fixture("sunspots_calib_x.npy")).unwrap();
	let q = quantize(net, &calib.to_rows(), &QuantConfig::default()).unwrap();
	assert!(matches!(q.model.layers[0], Layer::Lstm(_) | Layer::Gru(_)));
	let x = data::read_npy_table(fixture("sunspots_test_x.npy")).unwrap();
	let (_, y) = data::read_npy_file(fixture("sunspots_test_y.npy")).unwrap();
	let (_, ort) = data::read_npy_file(fixture(&format!("sunspots_{name}_ort.npy"))).unwrap();
	assert_eq!((x.rows, x.columns, y.len(), ort.len()), (88, 12, 88, 88));
	let (mut float_mae, mut q_mae, mut gap) = (0f64, 0f64, 0f64);
	for i in 0..x.rows {
		let f = net.forward(x.row(i)).unwrap()[0];
		assert!((f - ort[i]).abs() < 1e-5, "{name}: float import gives {f}, onnxruntime {}", ort[i]);
		let Output::Regression(v) = q.model.run(&quantize_input(&q.model.input, x.row(i))).unwrap() else {
			panic!("{name}: not a regression output")
		};
		let p = from_fixed(v[0]);
		float_mae += (ort[i] - y[i]).abs() as f64;
		q_mae += (p - y[i]).abs() as f64;
		gap += (p - ort[i]).abs() as f64;
	}
	let n = x.rows as f64;
	let (float_mae, q_mae, gap) = (float_mae / n * UNIT, q_mae / n * UNIT, gap / n * UNIT);
	println!(
		"sunspots_{name}: onnxruntime float MAE {float_mae:.2}, quantized MAE {q_mae:.2} ({:+.1} %), mean \
		 |quantized - float| {gap:.2} sunspots; cost {} per forecast",
		(q_mae / float_mae - 1.0) * 100.0,
		q.model.cost()
	);
	assert!(q_mae <= float_mae * 1.05, "{name}: quantized MAE {q_mae} vs float {float_mae}");
	// The engine's own metric over the dataset a bounty would post agrees.
	let ds = data::regression_dataset(&q.model.input, &x, &y, 1).unwrap();
	let mae = Metric::MeanAbsoluteError.evaluate(&q.model, &ds).unwrap();
	let engine_mae = from_fixed(i32::try_from(mae).unwrap()) as f64 * UNIT;
	assert!((engine_mae - q_mae).abs() < 0.01, "{name}: engine metric {engine_mae} vs {q_mae}");
}

#[test]
fn lstm_forecaster_from_the_default_exporter() {
	forecaster("lstm", single(Cell::Lstm));
}

#[test]
fn lstm_forecaster_from_the_torchscript_exporter() {
	forecaster("lstm_legacy", single(Cell::Lstm));
}

#[test]
fn gru_forecaster() {
	forecaster("gru", single(Cell::Gru));
}

/// A two-layer `nn.LSTM` exports as two LSTM nodes, the first one's every hidden state
/// feeding the second: imported as two layers, the first with `sequence`.
#[test]
fn stacked_lstm_from_both_exporters() {
	for name in ["lstm2", "lstm2_legacy"] {
		forecaster(name, |layers| match layers {
			[FloatLayer::Recurrent(a), FloatLayer::Recurrent(b), FloatLayer::Dense { in_features: 8, .. }] => {
				(a.cell, a.hidden_size, a.sequence, b.cell, b.input_size, b.sequence)
					== (Cell::Lstm, 8, true, Cell::Lstm, 8, false)
			}
			_ => false,
		});
	}
}

#[test]
fn bidirectional_layers_are_refused_by_name() {
	let err = onnx::import_file(fixture("unsupported_bilstm.onnx"), &ImportOptions::default()).unwrap_err();
	assert!(
		matches!(&err, ImportError::UnsupportedAttribute { op, detail } if op == "LSTM" && detail.contains("forward")),
		"{err:?}"
	);
}
