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
	/// Predict the first N rows of the `--input` file (CSV or NPY), not only the first: sent
	/// in `request_predictions` batches of up to the chain's `MaxRequestsPerCall` inputs a
	/// transaction, each row its own request, fee and answer.
	#[arg(long, value_name = "N")]
	pub rows: Option<usize>,
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

/// The first `rows` rows of the CSV or NPY file `input`.
fn read_rows(input: &str, rows: usize) -> anyhow::Result<Vec<Vec<f32>>> {
	let path = Path::new(input);
	anyhow::ensure!(path.is_file(), "--rows reads rows of an --input file (CSV or NPY); there is no file {input}");
	let table = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) {
		data::read_npy_table(path)?
	} else {
		let (header, _) = super::model::csv_shape(path)?;
		data::read_csv_file(path, header, None)?.0
	};
	anyhow::ensure!(table.rows >= rows, "{input} has {} rows, fewer than the {rows} asked", table.rows);
	Ok((0..rows).map(|i| table.row(i).to_vec()).collect())
}

/// Real values from `--input`: a file (its first row), or numbers separated by commas or spaces.
fn read_values(input: &str) -> anyhow::Result<Vec<f32>> {
	if Path::new(input).is_file() {
		return read_rows(input, 1)?.pop().with_context(|| format!("{input}: no rows"));
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
	if let Some(rows) = args.rows {
		anyhow::ensure!(rows > 0, "--rows must be at least 1");
		anyhow::ensure!(!args.raw, "--rows quantizes the file's real values: leave out --raw");
	}
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
	if let Some(rows) = args.rows {
		let model = model_blob(&at, info.blob_hash, info.blob_len).await?;
		let inputs: Vec<Vec<i8>> =
			read_rows(&args.input, rows)?.iter().map(|row| quantize::quantize_input(&model.input, row)).collect();
		return predict_rows(ctx, &client, &args, inputs, max_fee).await;
	}
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

/// `mlc predict --rows`: every input requested in `request_predictions` batches, then every
/// answer awaited; the report lists them in row order.
async fn predict_rows(
	ctx: &mut Ctx,
	client: &modelchain_client::Client,
	args: &PredictArgs,
	inputs: Vec<Vec<i8>>,
	max_fee_each: u128,
) -> anyhow::Result<Report> {
	let per_call =
		client.at_best().await?.constants().entry(modelchain::constants().ml_predictions().max_requests_per_call())?
			as usize;
	let mut requests = Vec::with_capacity(inputs.len());
	let mut first_block = None;
	let mut held = 0u128;
	for (k, chunk) in inputs.chunks(per_call.max(1)).enumerate() {
		let call = modelchain::tx().ml_predictions().request_predictions(
			args.model,
			BoundedVec(chunk.iter().map(|input| BoundedVec(input.clone())).collect()),
			max_fee_each,
		);
		let what = format!("sending rows {}..{} of {}", k * per_call, k * per_call + chunk.len(), inputs.len());
		let included = submit(ctx, &call, &what).await?;
		first_block.get_or_insert(included.block_number);
		for requested in included.events.find::<modelchain::ml_predictions::events::PredictionRequested>() {
			let requested = requested?;
			held = held.saturating_add(requested.fee);
			requests.push(requested.request);
		}
	}
	anyhow::ensure!(requests.len() == inputs.len(), "{} requests made for {} rows", requests.len(), inputs.len());
	let from = first_block.unwrap_or_default();
	let spinner = ctx.spinner(format!("waiting for the answers to {} requests", requests.len()));
	let results = wait_for_results(client, &requests, from, Duration::from_secs(args.timeout)).await;
	spinner.finish_and_clear();
	let results = results?;
	let mut rows = Vec::with_capacity(requests.len());
	let mut lines = Vec::with_capacity(requests.len());
	for (row, (id, (block, output))) in requests.iter().zip(results).enumerate() {
		let (mut j, words) = render(&output);
		j["row"] = json!(row);
		j["request"] = json!(id);
		j["answered_at"] = json!(block);
		rows.push(j);
		lines.push(format!("row {row}: request {id}: {words} (answered in #{block})"));
	}
	lines.push(format!(
		"{} predictions of model {} asked from block #{from}, held at most {}",
		requests.len(),
		args.model,
		units::format(held)
	));
	let j = json!({ "model": args.model, "requested_at": from, "fee": held.to_string(), "predictions": rows });
	Ok(Report::new(j, lines.join("\n")))
}

/// Waits for the results of every request of `ids` block by block from `from`, in the order of
/// `ids`, or an error at the first that failed.
async fn wait_for_results(
	client: &modelchain_client::Client,
	ids: &[u64],
	from: u64,
	timeout: Duration,
) -> anyhow::Result<Vec<(u64, Prediction)>> {
	let mut found: std::collections::HashMap<u64, (u64, Prediction)> = std::collections::HashMap::new();
	let deadline = tokio::time::Instant::now() + timeout;
	let wanted: std::collections::HashSet<u64> = ids.iter().copied().collect();
	let mut next = from;
	loop {
		while next <= client.best_number().await? {
			let at = client.at_number(next).await?;
			for event in at.events().fetch().await?.iter() {
				let event = event?;
				if let Some(Ok(ready)) = event.decode_fields_as::<modelchain::ml_predictions::events::PredictionReady>()
				{
					if wanted.contains(&ready.request) {
						found.insert(ready.request, (next, ready.output));
					}
				}
				if let Some(Ok(failed)) =
					event.decode_fields_as::<modelchain::ml_predictions::events::PredictionFailed>()
				{
					if wanted.contains(&failed.request) {
						anyhow::bail!(
							"request {} failed in block #{next}: no quorum of workers answered ({} silent); the fee was refunded but {}",
							failed.request,
							failed.missed.len(),
							units::format(failed.kept)
						);
					}
				}
			}
			next += 1;
		}
		if found.len() == wanted.len() {
			return Ok(ids.iter().filter_map(|id| found.remove(id)).collect());
		}
		if tokio::time::Instant::now() >= deadline {
			match ids {
				[id] => anyhow::bail!(
					"no answer to request {id} within {timeout:?}: `mlc request status {id}` shows where it is"
				),
				_ => anyhow::bail!(
					"{} of {} requests unanswered within {timeout:?}: `mlc request status <id>` shows where each is",
					wanted.len() - found.len(),
					wanted.len()
				),
			}
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// Waits for request `id`'s result block by block from `from`: its output and the block, or an
/// error if the request failed.
async fn wait_for_result(
	client: &modelchain_client::Client,
	id: u64,
	from: u64,
	timeout: Duration,
) -> anyhow::Result<(u64, Prediction)> {
	wait_for_results(client, &[id], from, timeout).await?.pop().context("one request, one result")
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
