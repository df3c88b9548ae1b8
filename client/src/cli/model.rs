//! `mlc model …`: quantize an ONNX model, register it, list, show, set its fee, retire it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;
use subxt::utils::H256;

use super::{table, Ctx, Report};
use modelchain_client::{commit, modelchain, units, Client};
use modelchain_nn::{Model, Output};
use modelchain_nn_import::{data, onnx, quantize, ImportOptions, InputQuant, QuantConfig, Task};

use modelchain::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec, modelchain_runtime::RuntimeCall, pallet_ml_models::types::ModelInfo,
};

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
	/// Quantizes a float ONNX model (dense, convolution, pooling, LSTM and GRU layers) into a
	/// model blob.
	Quantize {
		/// The ONNX file.
		#[arg(long)]
		onnx: PathBuf,
		/// Calibration inputs, one sample a row: CSV (numbers only) or NPY.
		#[arg(long)]
		calibration: PathBuf,
		/// Where to write the blob.
		#[arg(long)]
		out: PathBuf,
		/// Labelled data to compare float and quantized accuracy on: CSV whose last column is
		/// the class, or NPY inputs with --labels.
		#[arg(long)]
		test: Option<PathBuf>,
		/// The labels of an NPY --test.
		#[arg(long)]
		labels: Option<PathBuf>,
		/// Treat the output as class scores (PyTorch classifiers end in raw logits); by default
		/// a graph ending in softmax or argmax is a classifier, anything else a regression.
		#[arg(long)]
		classifier: bool,
		/// Quantize the input as round(x / scale) + zero point instead of from the calibration
		/// range: give a bounty's --input-scale here, so the model reads its test set as posted.
		#[arg(long)]
		input_scale: Option<f32>,
		/// The input zero point (with --input-scale).
		#[arg(long, default_value_t = 0, allow_hyphen_values = true)]
		input_zero_point: i8,
	},
	/// Registers a model blob: notes it as a preimage (unless it is already on chain) and
	/// registers it, in one transaction.
	Register {
		/// The model blob (from `mlc model quantize`).
		#[arg(long)]
		blob: PathBuf,
		/// Fee per answered prediction, in MDC.
		#[arg(long)]
		fee: String,
		/// Free-form metadata (a name, a link).
		#[arg(long, default_value = "")]
		metadata: String,
	},
	/// Every registered model.
	List,
	/// One model.
	Show {
		/// The model id.
		id: u32,
	},
	/// Sets a model's fee per prediction (owner only).
	SetFee {
		/// The model id.
		id: u32,
		/// The new fee, in MDC.
		fee: String,
	},
	/// Retires a model (owner only): it takes no new requests.
	Retire {
		/// The model id.
		id: u32,
	},
}

pub async fn run(ctx: &mut Ctx, command: ModelCommand) -> anyhow::Result<Report> {
	match command {
		ModelCommand::Quantize { onnx, calibration, out, test, labels, classifier, input_scale, input_zero_point } => {
			let input = match input_scale {
				Some(scale) => {
					anyhow::ensure!(scale > 0.0 && scale.is_finite(), "--input-scale must be a positive number");
					InputQuant::Fixed { scale, zero_point: input_zero_point }
				}
				None => InputQuant::Calibrated,
			};
			let config = QuantConfig { input, ..QuantConfig::default() };
			quantize_model(&onnx, &calibration, &out, test.as_deref(), labels.as_deref(), classifier, &config)
		}
		ModelCommand::Register { blob, fee, metadata } => register(ctx, &blob, &fee, &metadata).await,
		ModelCommand::List => list(ctx).await,
		ModelCommand::Show { id } => show(ctx, id).await,
		ModelCommand::SetFee { id, fee } => {
			let fee = units::parse(&fee)?;
			let call = modelchain::tx().ml_models().set_fee(id, fee);
			let included = submit(ctx, &call, "setting the fee").await?;
			Ok(Report::new(
				json!({ "model": id, "fee": fee.to_string(), "block": included.block_number }),
				format!("model {id} now costs {} a prediction (block #{})", units::format(fee), included.block_number),
			))
		}
		ModelCommand::Retire { id } => {
			let call = modelchain::tx().ml_models().retire_model(id);
			let included = submit(ctx, &call, "retiring the model").await?;
			Ok(Report::new(
				json!({ "model": id, "retired": true, "block": included.block_number }),
				format!("model {id} retired (block #{})", included.block_number),
			))
		}
	}
}

/// Signs and submits with the context's key, with a spinner.
pub async fn submit<Call: subxt::transactions::Payload>(
	ctx: &mut Ctx,
	call: &Call,
	what: &str,
) -> anyhow::Result<modelchain_client::Included> {
	let signer = ctx.signer()?;
	let spinner = ctx.spinner(what.to_string());
	let result = ctx.client().await?.submit(call, &signer).await;
	spinner.finish_and_clear();
	let included = result.inspect_err(|e| {
		if let Some(failed) = e.downcast_ref::<modelchain_client::CallFailed>() {
			ctx.fees_paid = ctx.fees_paid.saturating_add(failed.fee);
		}
	})?;
	ctx.fees_paid = ctx.fees_paid.saturating_add(included.fee_paid());
	Ok(included)
}

/// Reads a table of samples: NPY (by extension) or CSV (numbers only; `label_last` splits the
/// last column off as labels).
fn read_table(path: &Path, label_last: bool) -> anyhow::Result<(data::Table, Option<Vec<f32>>)> {
	let npy = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
	if npy {
		return Ok((data::read_npy_table(path).with_context(|| format!("reading {}", path.display()))?, None));
	}
	let (header, columns) = csv_shape(path)?;
	let label_column = label_last.then(|| columns.saturating_sub(1));
	data::read_csv_file(path, header, label_column).with_context(|| format!("reading {}", path.display()))
}

/// Whether a CSV file starts with a header (its first field is not a number) and how many
/// columns its first line has.
pub fn csv_shape(path: &Path) -> anyhow::Result<(bool, usize)> {
	let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
	let first = text.lines().next().with_context(|| format!("{} is empty", path.display()))?;
	let header = first.split(',').next().is_some_and(|f| f.trim().parse::<f64>().is_err());
	Ok((header, first.split(',').count()))
}

fn quantize_model(
	onnx_path: &Path,
	calibration: &Path,
	out: &Path,
	test: Option<&Path>,
	labels: Option<&Path>,
	classifier: bool,
	config: &QuantConfig,
) -> anyhow::Result<Report> {
	let options = ImportOptions { task: classifier.then_some(Task::Classification) };
	let imported =
		onnx::import_file(onnx_path, &options).with_context(|| format!("importing {}", onnx_path.display()))?;
	let (calib, _) = read_table(calibration, false)?;
	anyhow::ensure!(calib.rows > 0, "{}: no calibration samples", calibration.display());
	let q = quantize::quantize(&imported.network, &calib.to_rows(), config).context("quantizing the model")?;
	let blob = q.model.encode_blob();
	std::fs::write(out, &blob).with_context(|| format!("writing {}", out.display()))?;
	let mut json = json!({
		"blob": out.display().to_string(),
		"bytes": blob.len(),
		"blob_hash": format!("0x{}", hex::encode(commit::blob_hash(&blob))),
		"cost": q.model.cost(),
	});
	let mut text = format!(
		"wrote {} ({} bytes, cost {}, blob hash 0x{})",
		out.display(),
		blob.len(),
		q.model.cost(),
		hex::encode(commit::blob_hash(&blob))
	);
	if let Some(test) = test {
		let (inputs, csv_labels) = read_table(test, labels.is_none())?;
		let labels = match labels {
			Some(path) => data::read_npy_file(path).with_context(|| format!("reading {}", path.display()))?.1,
			None => csv_labels.context("the test CSV needs its class in the last column")?,
		};
		anyhow::ensure!(labels.len() == inputs.rows, "{} test samples but {} labels", inputs.rows, labels.len());
		if imported.network.task == Task::Regression {
			let (float_mae, quant_mae) = regression_errors(&imported.network, &q.model, &inputs, &labels)?;
			json["float_mae"] = json!(float_mae);
			json["quantized_mae"] = json!(quant_mae);
			text.push_str(&format!(
				"\nmean absolute error on {} samples: float {float_mae:.4}, quantized {quant_mae:.4}",
				labels.len()
			));
			return Ok(Report::new(json, text));
		}
		let (mut float_right, mut quant_right) = (0usize, 0usize);
		for (i, label) in labels.iter().enumerate() {
			let x = inputs.row(i);
			let float = imported.network.forward(x).context("running the float model")?;
			let argmax =
				float.iter().enumerate().fold((0, f32::MIN), |best, (k, &v)| if v > best.1 { (k, v) } else { best }).0;
			float_right += usize::from(argmax as f32 == *label);
			if let Output::Class(c) =
				q.model.run(&quantize::quantize_input(&q.model.input, x)).context("running the quantized model")?
			{
				quant_right += usize::from(c as f32 == *label);
			}
		}
		let n = labels.len().max(1) as f64;
		let (fa, qa) = (float_right as f64 / n, quant_right as f64 / n);
		json["float_accuracy"] = json!(fa);
		json["quantized_accuracy"] = json!(qa);
		text.push_str(&format!(
			"\naccuracy on {} samples: float {:.2} %, quantized {:.2} %",
			labels.len(),
			fa * 100.0,
			qa * 100.0
		));
	}
	Ok(Report::new(json, text))
}

/// The float network's and the quantized model's mean absolute errors against one target per
/// sample (the metric a `mae` bounty scores, in real units).
fn regression_errors(
	network: &modelchain_nn_import::FloatNetwork,
	model: &Model,
	inputs: &data::Table,
	targets: &[f32],
) -> anyhow::Result<(f64, f64)> {
	let (mut float_err, mut quant_err) = (0f64, 0f64);
	for (i, &target) in targets.iter().enumerate() {
		let x = inputs.row(i);
		let float = network.forward(x).context("running the float model")?;
		anyhow::ensure!(float.len() == 1, "the model has {} outputs; the comparison needs one", float.len());
		let Output::Regression(v) =
			model.run(&quantize::quantize_input(&model.input, x)).context("running the quantized model")?
		else {
			anyhow::bail!("the quantized model answers classes")
		};
		float_err += f64::from((float[0] - target).abs());
		quant_err += f64::from((quantize::from_fixed(v.first().copied().unwrap_or(0)) - target).abs());
	}
	let n = targets.len().max(1) as f64;
	Ok((float_err / n, quant_err / n))
}

/// Whether a preimage of `hash` is on chain.
async fn preimage_exists(client: &Client, hash: H256, len: u32) -> anyhow::Result<bool> {
	let at = client.at_best().await?;
	Ok(at.storage().try_fetch(modelchain::storage().preimage().preimage_for(), ((hash, len),)).await?.is_some())
}

async fn register(ctx: &mut Ctx, blob_path: &Path, fee: &str, metadata: &str) -> anyhow::Result<Report> {
	let blob = std::fs::read(blob_path).with_context(|| format!("reading {}", blob_path.display()))?;
	// Check it here: a blob the chain would refuse costs its fees for nothing.
	let model = Model::decode_blob(&blob, &modelchain_nn::Bounds::default())
		.map_err(|e| anyhow::anyhow!("{} is not a valid model blob: {e:?}", blob_path.display()))?;
	let fee = units::parse(fee)?;
	let hash = H256(commit::blob_hash(&blob));
	let register = modelchain::runtime_types::pallet_ml_models::pallet::Call::register_model {
		blob_hash: hash,
		metadata: BoundedVec(metadata.as_bytes().to_vec()),
		fee,
	};
	let mut calls = Vec::new();
	if !preimage_exists(ctx.client().await?, hash, blob.len() as u32).await? {
		calls.push(RuntimeCall::Preimage(modelchain::runtime_types::pallet_preimage::pallet::Call::note_preimage {
			bytes: blob.clone(),
		}));
	}
	calls.push(RuntimeCall::MlModels(register));
	let call = modelchain::tx().utility().batch_all(calls);
	let included = submit(ctx, &call, "registering the model").await?;
	let registered = included
		.find::<modelchain::ml_models::events::ModelRegistered>()
		.context("the transaction did not register a model")?;
	Ok(Report::new(
		json!({
			"model": registered.model,
			"blob_hash": format!("{hash:?}"),
			"cost": model.cost(),
			"fee": fee.to_string(),
			"block": included.block_number,
			"transaction_fee": included.fee_paid().to_string(),
		}),
		format!(
			"registered model {} (blob 0x{}, cost {}, {} a prediction) in block #{}",
			registered.model,
			hex::encode(hash.0),
			model.cost(),
			units::format(fee),
			included.block_number
		),
	))
}

fn model_json(id: u32, m: &ModelInfo) -> serde_json::Value {
	json!({
		"id": id,
		"owner": m.owner.to_string(),
		"blob_hash": format!("{:?}", m.blob_hash),
		"blob_len": m.blob_len,
		"input_len": m.input_len,
		"output_len": m.output_len,
		"cost": m.cost,
		"fee": m.fee.to_string(),
		"metadata": String::from_utf8_lossy(&m.metadata.0),
		"registered_at": m.registered_at,
	})
}

async fn list(ctx: &mut Ctx) -> anyhow::Result<Report> {
	let at = ctx.client().await?.at_best().await?;
	let mut models = Vec::new();
	let mut entries = at.storage().iter(modelchain::storage().ml_models().models(), ()).await?;
	while let Some(entry) = entries.next().await {
		let entry = entry?;
		let (id,) = entry.key()?.decode()?;
		models.push((id, entry.value().decode()?));
	}
	models.sort_by_key(|(id, _)| *id);
	let rows = models
		.iter()
		.map(|(id, m): &(u32, ModelInfo)| {
			vec![
				id.to_string(),
				m.owner.to_string(),
				format!("{} -> {}", m.input_len, m.output_len),
				m.cost.to_string(),
				units::format(m.fee),
				String::from_utf8_lossy(&m.metadata.0).to_string(),
			]
		})
		.collect();
	Ok(Report::new(
		json!(models.iter().map(|(id, m)| model_json(*id, m)).collect::<Vec<_>>()),
		if models.is_empty() {
			"no models registered".to_string()
		} else {
			table(&["id", "owner", "inputs -> outputs", "cost", "fee", "metadata"], rows)
		},
	))
}

async fn show(ctx: &mut Ctx, id: u32) -> anyhow::Result<Report> {
	let at = ctx.client().await?.at_best().await?;
	let model = modelchain_client::chain::view(&at, modelchain::view_functions().ml_models().model(id))
		.await?
		.with_context(|| format!("no model {id}: `mlc model list` shows the registered ones"))?;
	let j = model_json(id, &model);
	let text = format!(
		"model {id}\n  owner:      {}\n  blob:       {:?} ({} bytes)\n  shape:      {} inputs -> {} outputs\n  cost:       {}\n  fee:        {}\n  metadata:   {}\n  registered: block #{}",
		model.owner,
		model.blob_hash,
		model.blob_len,
		model.input_len,
		model.output_len,
		model.cost,
		units::format(model.fee),
		String::from_utf8_lossy(&model.metadata.0),
		model.registered_at
	);
	Ok(Report::new(j, text))
}
