//! `mlc predict`, `mlc request status`, `mlc challenge`.

use std::{path::Path, time::Duration};

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;
use subxt::utils::H256;

use super::{model::submit, Ctx, Report};
use modelchain_client::{chain::At, modelchain, units};
use modelchain_nn::{Model, REGRESSION_FRAC_BITS};
use modelchain_nn_import::{data, quantize};

use modelchain::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec, pallet_ml_predictions::types::Prediction,
};

#[derive(Debug, Args)]
pub struct PredictArgs {
	/// The model id.
	#[arg(long)]
	pub model: u32,
	/// The input: real values separated by commas or spaces, or a file (the first row of a CSV
	/// or NPY file). Quantized with the model's own input parameters.
	#[arg(long, allow_hyphen_values = true)]
	pub input: String,
	/// The input values are already quantized `i8` values: send them as they are.
	#[arg(long)]
	pub raw: bool,
	/// The most to pay, in MDC; default: exactly the model's fee plus every worker's fee.
	#[arg(long)]
	pub max_fee: Option<String>,
	/// How long to wait for the answer, in seconds.
	#[arg(long, default_value_t = 120)]
	pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
	/// A request's state: waiting for its workers, answered (with the output), or gone.
	Status {
		/// The request id.
		id: u64,
	},
}

/// The blob of a registered model, from the preimage pallet.
pub async fn model_blob(at: &At, hash: H256, len: u32) -> anyhow::Result<Model> {
	let blob = at
		.storage()
		.try_fetch(modelchain::storage().preimage().preimage_for(), ((hash, len),))
		.await?
		.context("the model's blob is not on chain")?
		.decode()?;
	Model::decode_blob(&blob.0, &modelchain_nn::Bounds::default())
		.map_err(|e| anyhow::anyhow!("the model's blob does not decode: {e:?}"))
}

/// Real values from `--input`: a file, or numbers separated by commas or spaces.
fn read_values(input: &str) -> anyhow::Result<Vec<f32>> {
	let path = Path::new(input);
	if path.is_file() {
		let table = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) {
			data::read_npy_table(path)?
		} else {
			let (header, _) = super::model::csv_shape(path)?;
			data::read_csv_file(path, header, None)?.0
		};
		anyhow::ensure!(table.rows > 0, "{input}: no rows");
		return Ok(table.row(0).to_vec());
	}
	input
		.split(|c: char| c == ',' || c.is_whitespace())
		.filter(|s| !s.is_empty())
		.map(|s| {
			s.parse::<f32>()
				.map_err(|_| anyhow::anyhow!("`{s}` in --input is not a number (and no file {input} exists)"))
		})
		.collect()
}

/// An output in words and as JSON.
fn render(output: &Prediction) -> (serde_json::Value, String) {
	match output {
		Prediction::Class(c) => (json!({ "class": c }), format!("class {c}")),
		Prediction::Regression(BoundedVec(values)) => {
			let real: Vec<f64> =
				values.iter().map(|&v| f64::from(v) / f64::from(1u32 << REGRESSION_FRAC_BITS)).collect();
			(json!({ "values": real, "fixed_point": values }), format!("values {real:?}"))
		}
	}
}

pub async fn predict(ctx: &mut Ctx, args: PredictArgs) -> anyhow::Result<Report> {
	// Before any work: a request needs a key.
	ctx.signer()?;
	let client = ctx.client().await?.clone();
	let at = client.at_best().await?;
	let info = modelchain_client::chain::view(&at, modelchain::view_functions().ml_models().model(args.model))
		.await?
		.with_context(|| format!("no model {}: `mlc model list` shows the registered ones", args.model))?;
	let input: Vec<i8> = if args.raw {
		args.input
			.split(|c: char| c == ',' || c.is_whitespace())
			.filter(|s| !s.is_empty())
			.map(|s| s.parse::<i8>().map_err(|_| anyhow::anyhow!("`{s}` is not an i8 value (-128..=127)")))
			.collect::<anyhow::Result<_>>()?
	} else {
		let model = model_blob(&at, info.blob_hash, info.blob_len).await?;
		quantize::quantize_input(&model.input, &read_values(&args.input)?)
	};
	anyhow::ensure!(
		input.len() == info.input_len as usize,
		"model {} takes {} input values, got {}",
		args.model,
		info.input_len,
		input.len()
	);
	let max_fee = match &args.max_fee {
		Some(fee) => units::parse(fee)?,
		None => {
			let params = at
				.storage()
				.try_fetch(modelchain::storage().ml_predictions().params(), ())
				.await?
				.context("the chain has no prediction parameters set")?
				.decode()?;
			info.fee.saturating_add(params.worker_fee.saturating_mul(u128::from(params.redundancy)))
		}
	};
	let call = modelchain::tx().ml_predictions().request_prediction(args.model, BoundedVec(input.clone()), max_fee);
	let included = submit(ctx, &call, "sending the request").await?;
	let requested = included
		.find::<modelchain::ml_predictions::events::PredictionRequested>()
		.context("the transaction made no request")?;
	let id = requested.request;
	let spinner = ctx.spinner(format!("request {id}: waiting for the workers' answer"));
	let result = wait_for_result(&client, id, included.block_number, Duration::from_secs(args.timeout)).await;
	spinner.finish_and_clear();
	let (block, output) = result?;
	let (mut j, words) = render(&output);
	j["request"] = json!(id);
	j["model"] = json!(args.model);
	j["fee"] = json!(requested.fee.to_string());
	j["requested_at"] = json!(included.block_number);
	j["answered_at"] = json!(block);
	Ok(Report::new(
		j,
		format!(
			"request {id}: {words} (asked in block #{}, answered in #{block}, held at most {})",
			included.block_number,
			units::format(requested.fee)
		),
	))
}

/// Waits for request `id`'s result block by block from `from`: its output and the block, or an
/// error if the request failed.
async fn wait_for_result(
	client: &modelchain_client::Client,
	id: u64,
	from: u64,
	timeout: Duration,
) -> anyhow::Result<(u64, Prediction)> {
	let deadline = tokio::time::Instant::now() + timeout;
	let mut next = from;
	loop {
		while next <= client.best_number().await? {
			let at = client.at_number(next).await?;
			for event in at.events().fetch().await?.iter() {
				let event = event?;
				if let Some(Ok(ready)) = event.decode_fields_as::<modelchain::ml_predictions::events::PredictionReady>()
				{
					if ready.request == id {
						return Ok((next, ready.output));
					}
				}
				if let Some(Ok(failed)) =
					event.decode_fields_as::<modelchain::ml_predictions::events::PredictionFailed>()
				{
					if failed.request == id {
						anyhow::bail!(
							"request {id} failed in block #{next}: no quorum of workers answered ({} silent); the fee was refunded but {}",
							failed.missed.len(),
							units::format(failed.kept)
						);
					}
				}
			}
			next += 1;
		}
		anyhow::ensure!(
			tokio::time::Instant::now() < deadline,
			"no answer to request {id} within {timeout:?}: `mlc request status {id}` shows where it is"
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

pub async fn request(ctx: &mut Ctx, command: RequestCommand) -> anyhow::Result<Report> {
	let RequestCommand::Status { id } = command;
	let at = ctx.client().await?.at_best().await?;
	if let Some(result) =
		modelchain_client::chain::view(&at, modelchain::view_functions().ml_predictions().result(id)).await?
	{
		let (mut j, words) = render(&result.output);
		j["request"] = json!(id);
		j["state"] = json!("answered");
		j["model"] = json!(result.model);
		j["agreeing"] = json!(result.agreeing.0.iter().map(|a| a.to_string()).collect::<Vec<_>>());
		return Ok(Report::new(j, format!("request {id} (model {}): answered, {words}", result.model)));
	}
	if let Some(request) =
		modelchain_client::chain::view(&at, modelchain::view_functions().ml_predictions().request(id)).await?
	{
		return Ok(Report::new(
			json!({ "request": id, "state": "open", "model": request.model, "held": request.held.to_string() }),
			format!("request {id} (model {}): waiting for its workers", request.model),
		));
	}
	anyhow::bail!("no request {id}: it never existed, failed, or its result was pruned")
}

pub async fn challenge(ctx: &mut Ctx, id: u64) -> anyhow::Result<Report> {
	let call = modelchain::tx().ml_predictions().challenge(id);
	let included = submit(ctx, &call, "re-executing the model on chain").await?;
	if let Some(upheld) = included.find::<modelchain::ml_predictions::events::ChallengeUpheld>() {
		let (mut j, words) = render(&upheld.output);
		j["request"] = json!(id);
		j["upheld"] = json!(true);
		return Ok(Report::new(j, format!("challenge upheld: the chain computed {words}; your deposit is back")));
	}
	let rejected = included
		.find::<modelchain::ml_predictions::events::ChallengeRejected>()
		.context("the challenge had no outcome event")?;
	Ok(Report::new(
		json!({ "request": id, "upheld": false, "deposit_lost": rejected.deposit.to_string() }),
		format!("challenge rejected: the result stands; the deposit ({}) is lost", units::format(rejected.deposit)),
	))
}
