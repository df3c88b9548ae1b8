//! `mlc bounty …`: create a bounty from labelled data, submit and reveal models, status and
//! leaderboard, verify, finalize, withdraw.
//!
//! Salts and blobs a later reveal needs are kept in a state directory (`--state`, default
//! `./mlc-state`); each command that writes there says so.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;
use subxt::utils::H256;

use super::{model::submit, table, Ctx, Report};
use modelchain_client::{
	chain::{view, At},
	commit, keys, modelchain,
	state::{bytes32, ChunkState, RequesterState, StateDir, SubmissionState},
	units, Client,
};
use modelchain_nn::{Dataset, Labels, Model, OutputKind, REGRESSION_FRAC_BITS};
use modelchain_nn_import::data;

use modelchain::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec,
	modelchain_nn::metrics::Metric,
	modelchain_runtime::RuntimeCall,
	pallet_ml_bounties::{
		pallet::Call as BountyCall,
		split::ChunkRole,
		types::{Bounty, OutputShape, Payout, Phase, ScoreState, Submission, Terms},
	},
	sp_arithmetic::per_things::Perbill,
};

#[derive(Debug, Subcommand)]
pub enum BountyCommand {
	/// Every bounty still on chain (ended ones stay for the retention period).
	List,
	/// A bounty's phase, deadline and leaderboard.
	Status {
		/// The bounty id.
		id: u32,
	},
	/// Posts a bounty: cuts labelled data into chunks, commits them with fresh salts (kept in
	/// the state directory), escrows the reward and evaluation fee, then (unless --no-wait)
	/// publishes the training and validation chunks once the chain has drawn the test set.
	Create(CreateArgs),
	/// Submits a model blob to a bounty: holds the trainer stake and commits to the model
	/// (the salt is kept in the state directory; the model stays secret until the reveal).
	Submit {
		/// The bounty id.
		id: u32,
		/// The model blob (from `mlc model quantize`).
		#[arg(long)]
		model: PathBuf,
		/// The state directory.
		#[arg(long, env = "MLC_STATE", default_value = "mlc-state")]
		state: PathBuf,
	},
	/// Reveals what the --suri account owes the bounty now, from the state directory: the
	/// requester its training data (data phase) or test data (reveal phase), a trainer its
	/// models (reveal phase).
	Reveal {
		/// The bounty id.
		id: u32,
		/// Have a winning model listed for predictions at this fee (MDC).
		#[arg(long)]
		list_fee: Option<String>,
		/// The state directory.
		#[arg(long, env = "MLC_STATE", default_value = "mlc-state")]
		state: PathBuf,
	},
	/// Challenges a submission's quorum score (scored phase): holds the challenge deposit and
	/// has the chain compute the score itself, then waits for it. The deposit comes back if
	/// the quorum was wrong and is lost if it was right.
	Challenge {
		/// The bounty id.
		id: u32,
		/// The submission.
		submission: u32,
	},
	/// Has the chain compute one test chunk of a submission's score (when the quorum failed
	/// or the score was challenged). The chain does this itself with the spare weight of
	/// every block; this call is for when blocks are full.
	Verify {
		/// The bounty id.
		id: u32,
		/// The submission.
		submission: u32,
		/// The test chunk's index.
		chunk: u32,
	},
	/// Enforces a bounty's deadline if it has passed (anyone may; free when it moves the
	/// bounty on): pays out a scored bounty whose challenge period is over.
	Finalize {
		/// The bounty id.
		id: u32,
	},
	/// Withdraws a submission before the submission deadline; the stake comes back.
	Withdraw {
		/// The bounty id.
		id: u32,
		/// The submission.
		submission: u32,
	},
}

#[derive(Debug, Args)]
pub struct CreateArgs {
	/// Labelled data: a CSV whose last column is the label (a header line is skipped), or an
	/// NPY array of inputs with --labels.
	#[arg(long)]
	pub data: PathBuf,
	/// The labels of NPY --data (one per row).
	#[arg(long)]
	pub labels: Option<PathBuf>,
	/// Quantize real inputs as round(x / scale) + zero point, the models' input quantization;
	/// without it the inputs must be whole numbers in -128..=127.
	#[arg(long)]
	pub input_scale: Option<f32>,
	/// The input zero point (with --input-scale).
	#[arg(long, default_value_t = 0, allow_hyphen_values = true)]
	pub input_zero_point: i8,
	/// Chunks to cut the data into (rows shuffled first).
	#[arg(long)]
	pub chunks: u32,
	/// How many the chain draws as the secret test set.
	#[arg(long)]
	pub test_chunks: u32,
	/// How many it draws as a public validation set.
	#[arg(long, default_value_t = 0)]
	pub validation_chunks: u32,
	/// accuracy (labels are classes), mse or mae (labels are values).
	#[arg(long, default_value = "accuracy")]
	pub metric: String,
	/// Number of classes (accuracy); default: the largest label plus one.
	#[arg(long)]
	pub classes: Option<u32>,
	/// The least score that can win: accuracy in parts per million (500000 = 50 %), or the
	/// largest error (fixed point, 16 fraction bits). Default: anything qualifies.
	#[arg(long)]
	pub min_score: Option<u64>,
	/// The reward, in MDC.
	#[arg(long)]
	pub reward: String,
	/// What each trainer holds per submission, in MDC.
	#[arg(long)]
	pub trainer_stake: String,
	/// The evaluators' fee, in MDC; default: the least the chain accepts for these terms.
	#[arg(long)]
	pub evaluation_fee: Option<String>,
	/// The most a submitted model may cost per sample (see `mlc model show`).
	#[arg(long)]
	pub max_model_cost: u64,
	/// The most submissions.
	#[arg(long, default_value_t = 4)]
	pub max_submissions: u32,
	/// Blocks each phase lasts (data, submission, reveal, challenge).
	#[arg(long, default_value_t = 10)]
	pub period: u32,
	/// `winner` (takes all) or `top:60,30,10` (percent shares of the best models).
	#[arg(long, default_value = "winner")]
	pub payout: String,
	/// Free-form metadata (a title, a link).
	#[arg(long, default_value = "")]
	pub metadata: String,
	/// Keep the rows in file order (by default they are shuffled before chunking, so no chunk
	/// holds only one kind of sample).
	#[arg(long)]
	pub no_shuffle: bool,
	/// Return after creation; publish the training data later with `mlc bounty reveal`.
	#[arg(long)]
	pub no_wait: bool,
	/// The state directory.
	#[arg(long, env = "MLC_STATE", default_value = "mlc-state")]
	pub state: PathBuf,
}

pub async fn run(ctx: &mut Ctx, command: BountyCommand) -> anyhow::Result<Report> {
	match command {
		BountyCommand::List => list(ctx).await,
		BountyCommand::Status { id } => status(ctx, id).await,
		BountyCommand::Create(args) => create(ctx, args).await,
		BountyCommand::Submit { id, model, state } => submit_model(ctx, id, &model, &StateDir::open(state)?).await,
		BountyCommand::Reveal { id, list_fee, state } => {
			let list_fee = list_fee.as_deref().map(units::parse).transpose()?;
			reveal(ctx, id, list_fee, &StateDir::open(state)?).await
		}
		BountyCommand::Challenge { id, submission } => challenge(ctx, id, submission).await,
		BountyCommand::Verify { id, submission, chunk } => {
			let call = modelchain::tx().ml_bounties().verify_score(id, submission, chunk);
			let included = submit(ctx, &call, "computing the chunk on chain").await?;
			Ok(done(id, &included, format!("chunk {chunk} of submission {submission} verified")))
		}
		BountyCommand::Finalize { id } => {
			let call = modelchain::tx().ml_bounties().advance(id);
			let included = submit(ctx, &call, "enforcing the deadline").await?;
			let phase = format!("{:?}", bounty(&ctx.client().await?.at_best().await?, id).await?.phase);
			Ok(done(id, &included, format!("bounty {id} is now {phase}")))
		}
		BountyCommand::Withdraw { id, submission } => {
			let call = modelchain::tx().ml_bounties().withdraw(id, submission);
			let included = submit(ctx, &call, "withdrawing").await?;
			Ok(done(id, &included, format!("submission {submission} withdrawn; its stake is back")))
		}
	}
}

/// Challenges the quorum score of `submission` and waits until the chain has computed it.
async fn challenge(ctx: &mut Ctx, id: u32, submission: u32) -> anyhow::Result<Report> {
	let call = modelchain::tx().ml_bounties().challenge_score(id, submission);
	let included = submit(ctx, &call, "challenging the score").await?;
	let client = ctx.client().await?;
	let deposit =
		client.at_best().await?.constants().entry(modelchain::constants().ml_staking().challenge_deposit())?;
	included
		.find::<modelchain::ml_bounties::events::ScoreChallenged>()
		.context("the challenge was included without its event")?;
	// The quorum's score, from the block before the challenge: the challenge replaced it.
	let before = client.at_number(included.block_number.saturating_sub(1)).await?;
	let quorum = match submission_of(&before, id, submission).await?.score {
		Some(ScoreState::Quorum(v)) => v,
		other => anyhow::bail!("submission {submission} had no quorum score to challenge ({})", score_text(&other)),
	};
	let verified = match included.find::<modelchain::ml_bounties::events::ScoreVerified>() {
		Some(event) if event.submission == submission => event.score,
		_ => wait_verified(&client, id, submission, Duration::from_secs(600)).await?,
	};
	let upheld = verified != quorum;
	let value = |v: &Option<u64>| v.map_or("fails".to_string(), |v| v.to_string());
	let words = if upheld {
		format!(
			"challenge upheld: the chain computed {} where the quorum said {}; the deposit is back and the evaluators who reported the quorum's score are slashed",
			value(&verified),
			value(&quorum)
		)
	} else {
		format!(
			"challenge rejected: the chain computed {} as the quorum did; the deposit ({}) is lost",
			value(&verified),
			units::format(deposit)
		)
	};
	let mut j = json!({
		"bounty": id,
		"submission": submission,
		"quorum": quorum,
		"verified": verified,
		"upheld": upheld,
		"block": included.block_number,
		"events": included.event_names(),
	});
	if !upheld {
		j["deposit_lost"] = json!(deposit.to_string());
	}
	Ok(Report::new(j, words))
}

/// Submission `index` of bounty `id` at `at`.
async fn submission_of(at: &At, id: u32, index: u32) -> anyhow::Result<Submission> {
	Ok(at
		.storage()
		.try_fetch(modelchain::storage().ml_bounties().submissions(), (id, index))
		.await?
		.with_context(|| format!("bounty {id} has no submission {index}: `mlc bounty status {id}` lists them"))?
		.decode()?)
}

/// Waits (a block at a time) until the chain has computed the score of submission `index`.
async fn wait_verified(client: &Client, id: u32, index: u32, timeout: Duration) -> anyhow::Result<Option<u64>> {
	let deadline = tokio::time::Instant::now() + timeout;
	loop {
		if let Some(ScoreState::Verified(score)) = submission_of(&client.at_best().await?, id, index).await?.score {
			return Ok(score);
		}
		anyhow::ensure!(
			tokio::time::Instant::now() < deadline,
			"the chain has not computed submission {index} of bounty {id} after {timeout:?}: blocks may be full; `mlc bounty verify` computes it chunk by chunk"
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// A report of a transaction on bounty `id`: its events by name.
fn done(id: u32, included: &modelchain_client::Included, what: String) -> Report {
	let events = included.event_names();
	Report::new(
		json!({ "bounty": id, "done": what, "block": included.block_number, "events": events }),
		format!("{what} (block #{})", included.block_number),
	)
}

/// Bounty `id` at `at`.
async fn bounty(at: &At, id: u32) -> anyhow::Result<Bounty> {
	Ok(at
		.storage()
		.try_fetch(modelchain::storage().ml_bounties().bounties(), (id,))
		.await?
		.with_context(|| format!("no bounty {id}: `mlc bounty list` shows the bounties on chain"))?
		.decode()?)
}

/// Waits (a block at a time) until bounty `id` is past `phase`.
async fn wait_past(client: &Client, id: u32, phase: Phase, timeout: Duration) -> anyhow::Result<Bounty> {
	let deadline = tokio::time::Instant::now() + timeout;
	loop {
		let b = bounty(&client.at_best().await?, id).await?;
		if b.phase != phase {
			return Ok(b);
		}
		anyhow::ensure!(tokio::time::Instant::now() < deadline, "bounty {id} is still {phase:?} after {timeout:?}");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// Whether a preimage of `hash` is on chain.
async fn noted(at: &At, hash: H256, len: u32) -> anyhow::Result<bool> {
	Ok(at.storage().try_fetch(modelchain::storage().preimage().preimage_for(), ((hash, len),)).await?.is_some())
}

/// `call`, preceded by noting `blob` unless it is on chain already, as one transaction.
async fn with_blob(at: &At, blob: &[u8], call: RuntimeCall) -> anyhow::Result<Vec<RuntimeCall>> {
	let hash = H256(commit::blob_hash(blob));
	let mut calls = Vec::new();
	if !noted(at, hash, blob.len() as u32).await? {
		calls.push(RuntimeCall::Preimage(modelchain::runtime_types::pallet_preimage::pallet::Call::note_preimage {
			bytes: blob.to_vec(),
		}));
	}
	calls.push(call);
	Ok(calls)
}

/// The labelled samples of `args.data`, quantized: inputs (row by row) and labels.
fn read_samples(args: &CreateArgs, regression: bool) -> anyhow::Result<(usize, Vec<Vec<i8>>, Vec<f32>)> {
	let npy = args.data.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
	let (table, labels) = if npy {
		let labels = args.labels.as_ref().context("NPY --data needs --labels")?;
		(data::read_npy_table(&args.data)?, data::read_npy_file(labels)?.1)
	} else {
		let (header, columns) = super::model::csv_shape(&args.data)?;
		let (table, labels) = data::read_csv_file(&args.data, header, Some(columns.saturating_sub(1)))
			.with_context(|| format!("reading {}", args.data.display()))?;
		(table, labels.context("the CSV needs a label column")?)
	};
	anyhow::ensure!(table.rows > 0, "{}: no samples", args.data.display());
	anyhow::ensure!(labels.len() == table.rows, "{} samples but {} labels", table.rows, labels.len());
	let mut rows = Vec::with_capacity(table.rows);
	for i in 0..table.rows {
		let row = table.row(i);
		let q: anyhow::Result<Vec<i8>> = row
			.iter()
			.map(|&x| match args.input_scale {
				Some(scale) => {
					let q = (x / scale).round() + f32::from(args.input_zero_point);
					Ok(q.clamp(-128.0, 127.0) as i8)
				}
				None if x.fract() == 0.0 && (-128.0..=127.0).contains(&x) => Ok(x as i8),
				None => anyhow::bail!("row {i}: {x} is not an i8 value; give --input-scale to quantize real inputs"),
			})
			.collect();
		rows.push(q?);
	}
	if !regression {
		if let Some(bad) = labels.iter().find(|l| l.fract() != 0.0 || **l < 0.0) {
			anyhow::bail!("label {bad} is not a class index (accuracy needs whole, non-negative labels)");
		}
	}
	Ok((table.columns, rows, labels))
}

async fn create(ctx: &mut Ctx, args: CreateArgs) -> anyhow::Result<Report> {
	let signer = ctx.signer()?;
	let requester = keys::account(&signer);
	let regression = match args.metric.as_str() {
		"accuracy" => false,
		"mse" | "mae" => true,
		other => anyhow::bail!("unknown metric {other}: accuracy, mse or mae"),
	};
	let metric = match args.metric.as_str() {
		"accuracy" => Metric::Accuracy,
		"mse" => Metric::MeanSquaredError,
		_ => Metric::MeanAbsoluteError,
	};
	let (input_len, mut rows, labels) = read_samples(&args, regression)?;
	let mut order: Vec<usize> = (0..rows.len()).collect();
	if !args.no_shuffle {
		use rand::seq::SliceRandom;
		order.shuffle(&mut rand::thread_rng());
	}
	anyhow::ensure!(
		args.chunks >= 2 && args.chunks as usize <= rows.len(),
		"--chunks must be at least 2 and at most the number of samples ({})",
		rows.len()
	);
	let per_chunk = rows.len().div_ceil(args.chunks as usize);
	let classes = args.classes.unwrap_or_else(|| labels.iter().fold(0u32, |m, &l| m.max(l as u32 + 1)));
	let state = StateDir::open(&args.state)?;
	let mut chunk_states = Vec::new();
	let mut commitments = Vec::new();
	let mut max_samples = 0u32;
	for (index, part) in order.chunks(per_chunk).enumerate() {
		let inputs: Vec<i8> = part.iter().flat_map(|&i| std::mem::take(&mut rows[i])).collect();
		let chunk_labels = if regression {
			Labels::Regression {
				outputs: 1,
				values: part
					.iter()
					.map(|&i| (labels[i] * (1u32 << REGRESSION_FRAC_BITS) as f32).round() as i32)
					.collect(),
			}
		} else {
			Labels::Class(part.iter().map(|&i| labels[i] as u32).collect())
		};
		let blob = Dataset { input_len: input_len as u32, inputs, labels: chunk_labels }.encode_blob();
		let blob_hash = state.put_blob(&blob)?;
		let salt = commit::salt();
		commitments.push(commit::chunk_commitment(&bytes32(&blob_hash)?, &salt));
		chunk_states.push(ChunkState { index: index as u32, salt: hex::encode(salt), blob_hash });
		max_samples = max_samples.max(part.len() as u32);
	}
	let payout = if args.payout == "winner" {
		Payout::WinnerTakesAll
	} else {
		let shares = args.payout.strip_prefix("top:").context("--payout is `winner` or `top:60,30,10`")?;
		let shares: Vec<Perbill> = shares
			.split(',')
			.map(|p| p.trim().parse::<u32>().map(|p| Perbill(p.saturating_mul(10_000_000))))
			.collect::<Result<_, _>>()
			.context("--payout shares are whole percentages")?;
		Payout::TopN(BoundedVec(shares))
	};
	let mut terms = Terms {
		input_len: input_len as u32,
		output: if regression { OutputShape::Regression(1) } else { OutputShape::Classes(classes) },
		metric,
		min_score: args.min_score.unwrap_or(if regression { u64::MAX } else { 0 }),
		reward: units::parse(&args.reward)?,
		trainer_stake: units::parse(&args.trainer_stake)?,
		evaluation_fee: 0,
		test_chunks: args.test_chunks,
		validation_chunks: args.validation_chunks,
		max_chunk_samples: max_samples,
		max_model_cost: args.max_model_cost,
		max_submissions: args.max_submissions,
		data_period: args.period,
		submission_period: args.period,
		reveal_period: args.period,
		challenge_period: args.period,
		payout,
	};
	let client = ctx.client().await?.clone();
	let at = client.at_best().await?;
	terms.evaluation_fee = match &args.evaluation_fee {
		Some(fee) => units::parse(fee)?,
		None => view(&at, modelchain::view_functions().ml_bounties().min_evaluation_fee(terms.clone()))
			.await?
			.context("these terms' evaluation cost overflows: lower max-model-cost or the chunk sizes")?,
	};
	// The salts exist only here until the chain has the commitments: keep them first.
	let mut requester_state = RequesterState { bounty: None, requester: requester.to_string(), chunks: chunk_states };
	let pending = format!("pending-requester-{}.json", hex::encode(&commitments[0][..8]));
	state.save(&pending, &requester_state)?;
	let call = modelchain::tx().ml_bounties().create_bounty(
		BoundedVec(args.metadata.as_bytes().to_vec()),
		terms.clone(),
		BoundedVec(commitments),
	);
	let included = submit(ctx, &call, "creating the bounty").await?;
	let created = included
		.find::<modelchain::ml_bounties::events::BountyCreated>()
		.context("the transaction created no bounty")?;
	let id = created.bounty;
	requester_state.bounty = Some(id);
	state.save(&pending, &requester_state)?;
	let state_file = state.rename(&pending, &StateDir::requester_name(id))?;
	let mut report = json!({
		"bounty": id,
		"block": included.block_number,
		"chunks": requester_state.chunks.len(),
		"evaluation_fee": terms.evaluation_fee.to_string(),
		"state": state_file.display().to_string(),
		"transaction_fee": included.fee_paid().to_string(),
	});
	let mut text = format!(
		"created bounty {id} in block #{} ({} chunks, reward {}, evaluation fee {}); salts and chunks kept in {}",
		included.block_number,
		requester_state.chunks.len(),
		units::format(terms.reward),
		units::format(terms.evaluation_fee),
		state_file.display()
	);
	if !args.no_wait {
		let spinner = ctx.spinner("waiting for the chain to draw the test set");
		let drawn = wait_past(&client, id, Phase::Split, Duration::from_secs(120)).await;
		spinner.finish_and_clear();
		drawn?;
		let revealed = reveal_requester(ctx, id, &requester_state, &state).await?;
		report["revealed"] = json!(revealed);
		text.push_str(&format!(
			"
published training and validation chunks {revealed:?}"
		));
	}
	Ok(Report::new(report, text))
}

/// The chunks of bounty `id` with `role`.
async fn chunks_with_role(at: &At, id: u32, count: usize, role: &ChunkRole) -> anyhow::Result<Vec<(u32, bool)>> {
	let mut out = Vec::new();
	for index in 0..count as u32 {
		let chunk = at
			.storage()
			.try_fetch(modelchain::storage().ml_bounties().chunks(), (id, index))
			.await?
			.with_context(|| format!("bounty {id} has no chunk {index}"))?
			.decode()?;
		if &chunk.role == role {
			out.push((index, chunk.revealed.is_some()));
		}
	}
	Ok(out)
}

/// Reveals the requester's chunks the bounty's phase asks for; returns their indices.
async fn reveal_requester(
	ctx: &mut Ctx,
	id: u32,
	record: &RequesterState,
	state: &StateDir,
) -> anyhow::Result<Vec<u32>> {
	let client = ctx.client().await?.clone();
	let at = client.at_best().await?;
	let phase = bounty(&at, id).await?.phase;
	let roles = match phase {
		Phase::Data => vec![ChunkRole::Training, ChunkRole::Validation],
		Phase::Reveal => vec![ChunkRole::Test],
		other => anyhow::bail!("bounty {id} is {other:?}: the requester reveals in the data and reveal phases"),
	};
	let mut revealed = Vec::new();
	for role in roles {
		for (index, done) in chunks_with_role(&at, id, record.chunks.len(), &role).await? {
			if done {
				continue;
			}
			let chunk = record.chunks.iter().find(|c| c.index == index).context("the state misses a chunk")?;
			let blob = state.blob(&chunk.blob_hash)?;
			let reveal = RuntimeCall::MlBounties(BountyCall::reveal_chunk {
				bounty: id,
				chunk: index,
				blob_hash: H256(bytes32(&chunk.blob_hash)?),
				salt: bytes32(&chunk.salt)?,
				uri: None,
			});
			let calls = with_blob(&client.at_best().await?, &blob, reveal).await?;
			submit(ctx, &modelchain::tx().utility().batch_all(calls), &format!("revealing chunk {index}")).await?;
			revealed.push(index);
		}
	}
	Ok(revealed)
}

async fn submit_model(
	ctx: &mut Ctx,
	id: u32,
	model_path: &std::path::Path,
	state: &StateDir,
) -> anyhow::Result<Report> {
	let signer = ctx.signer()?;
	let trainer = keys::account(&signer);
	let blob = std::fs::read(model_path).with_context(|| format!("reading {}", model_path.display()))?;
	let model = Model::decode_blob(&blob, &modelchain_nn::Bounds::default())
		.map_err(|e| anyhow::anyhow!("{} is not a valid model blob: {e:?}", model_path.display()))?;
	let at = ctx.client().await?.at_best().await?;
	let b = bounty(&at, id).await?;
	anyhow::ensure!(
		b.phase == Phase::Submission,
		"bounty {id} is {:?}: submissions are open in its submission phase",
		b.phase
	);
	// The chain checks the fit only at the reveal, after the stake is committed: check it now.
	let summary = model
		.validate(&modelchain_nn::Bounds::default())
		.map_err(|e| anyhow::anyhow!("{} is not a valid model: {e:?}", model_path.display()))?;
	let fits_output = match (&b.terms.output, &model.output) {
		(OutputShape::Classes(n), OutputKind::Class) => summary.output_len == *n,
		(OutputShape::Regression(n), OutputKind::Regression { .. }) => summary.output_len == *n,
		_ => false,
	};
	anyhow::ensure!(
		summary.input_len == b.terms.input_len && fits_output && summary.cost <= b.terms.max_model_cost,
		"the model does not fit bounty {id}: it takes {} inputs, gives {} outputs and costs {}; the bounty wants {} inputs, output {:?} and a cost of at most {}",
		summary.input_len,
		summary.output_len,
		summary.cost,
		b.terms.input_len,
		b.terms.output,
		b.terms.max_model_cost
	);
	let blob_hash = state.put_blob(&blob)?;
	let salt = commit::salt();
	let commitment = commit::model_commitment(id, &trainer, &bytes32(&blob_hash)?, &salt);
	let mut record = SubmissionState {
		bounty: id,
		submission: None,
		trainer: trainer.to_string(),
		salt: hex::encode(salt),
		blob_hash,
	};
	let pending = format!("pending-bounty-{id}-submission-{}.json", hex::encode(&commitment[..8]));
	state.save(&pending, &record)?;
	let included = submit(ctx, &modelchain::tx().ml_bounties().submit(id, commitment), "submitting").await?;
	let submitted =
		included.find::<modelchain::ml_bounties::events::Submitted>().context("the transaction made no submission")?;
	record.submission = Some(submitted.submission);
	state.save(&pending, &record)?;
	let file = state.rename(&pending, &StateDir::submission_name(id, submitted.submission))?;
	Ok(Report::new(
		json!({ "bounty": id, "submission": submitted.submission, "stake": b.terms.trainer_stake.to_string(), "block": included.block_number, "state": file.display().to_string() }),
		format!(
			"submission {} to bounty {id} in block #{} ({} staked); reveal it in the reveal phase with `mlc bounty reveal {id}` (salt kept in {})",
			submitted.submission,
			included.block_number,
			units::format(b.terms.trainer_stake),
			file.display()
		),
	))
}

async fn reveal(ctx: &mut Ctx, id: u32, list_fee: Option<u128>, state: &StateDir) -> anyhow::Result<Report> {
	let signer = ctx.signer()?;
	let me = keys::account(&signer).to_string();
	let at = ctx.client().await?.at_best().await?;
	let b = bounty(&at, id).await?;
	let mut chunks = Vec::new();
	if let Some(record) = state.load::<RequesterState>(&StateDir::requester_name(id))? {
		if record.requester == me {
			chunks = reveal_requester(ctx, id, &record, state).await?;
		}
	}
	let mut models = Vec::new();
	for name in state.names(&format!("bounty-{id}-submission-"))? {
		let Some(record) = state.load::<SubmissionState>(&name)? else { continue };
		let Some(index) = record.submission else { continue };
		if record.trainer != me {
			continue;
		}
		anyhow::ensure!(
			b.phase == Phase::Reveal,
			"bounty {id} is {:?}: models are revealed in its reveal phase",
			b.phase
		);
		let blob = state.blob(&record.blob_hash)?;
		let call = RuntimeCall::MlBounties(BountyCall::reveal_model {
			bounty: id,
			submission: index,
			blob_hash: H256(bytes32(&record.blob_hash)?),
			salt: bytes32(&record.salt)?,
			list_fee,
		});
		let calls = with_blob(&ctx.client().await?.at_best().await?, &blob, call).await?;
		submit(ctx, &modelchain::tx().utility().batch_all(calls), &format!("revealing submission {index}")).await?;
		models.push(index);
	}
	anyhow::ensure!(
		!chunks.is_empty() || !models.is_empty(),
		"nothing for {me} to reveal in bounty {id} now (it is {:?}; state in {})",
		b.phase,
		state.path().display()
	);
	Ok(Report::new(
		json!({ "bounty": id, "chunks": chunks, "submissions": models }),
		format!("bounty {id}: revealed chunks {chunks:?} and submissions {models:?}"),
	))
}

/// A score for people: accuracy as a percentage, errors as numbers.
fn score_text(score: &Option<ScoreState<subxt::utils::AccountId32>>) -> String {
	let value = |v: &Option<u64>| v.map_or("fails".to_string(), |v| v.to_string());
	match score {
		None => "-".into(),
		Some(ScoreState::Quorum(v)) => format!("{} (quorum)", value(v)),
		Some(ScoreState::Verified(v)) => format!("{} (verified)", value(v)),
		Some(ScoreState::Unresolved) => "being computed by the chain".into(),
		Some(ScoreState::Challenged { .. }) => "challenged".into(),
	}
}

pub async fn list(ctx: &mut Ctx) -> anyhow::Result<Report> {
	let at = ctx.client().await?.at_best().await?;
	let mut bounties = Vec::new();
	let mut entries = at.storage().iter(modelchain::storage().ml_bounties().bounties(), ()).await?;
	while let Some(entry) = entries.next().await {
		let entry = entry?;
		let (id,) = entry.key()?.decode()?;
		bounties.push((id, entry.value().decode()?));
	}
	bounties.sort_by_key(|(id, _)| *id);
	let json = bounties
		.iter()
		.map(|(id, b): &(u32, modelchain::runtime_types::pallet_ml_bounties::types::Bounty)| {
			json!({
				"id": id,
				"requester": b.requester.to_string(),
				"phase": format!("{:?}", b.phase),
				"deadline": b.deadline,
				"reward": b.terms.reward.to_string(),
				"submissions": b.submissions,
				"metadata": String::from_utf8_lossy(&b.metadata.0),
			})
		})
		.collect::<Vec<_>>();
	let rows = bounties
		.iter()
		.map(|(id, b)| {
			vec![
				id.to_string(),
				format!("{:?}", b.phase),
				format!("#{}", b.deadline),
				units::format(b.terms.reward),
				b.submissions.to_string(),
				String::from_utf8_lossy(&b.metadata.0).to_string(),
			]
		})
		.collect();
	Ok(Report::new(
		json!(json),
		if bounties.is_empty() {
			"no bounties".to_string()
		} else {
			table(&["id", "phase", "until", "reward", "submissions", "metadata"], rows)
		},
	))
}

pub async fn status(ctx: &mut Ctx, id: u32) -> anyhow::Result<Report> {
	let at = ctx.client().await?.at_best().await?;
	let board = modelchain_client::chain::view(&at, modelchain::view_functions().ml_bounties().leaderboard(id))
		.await?
		.with_context(|| format!("no bounty {id}: `mlc bounty list` shows the bounties on chain"))?;
	let phase = format!("{:?}", board.phase);
	let over = matches!(board.phase, Phase::Finalized | Phase::Cancelled);
	let rows = board
		.submissions
		.iter()
		.map(|e| {
			vec![
				e.rank.map_or("-".into(), |r| r.saturating_add(1).to_string()),
				e.submission.to_string(),
				e.trainer.to_string(),
				format!("#{}", e.committed_at),
				if e.revealed { "yes" } else { "no" }.to_string(),
				score_text(&e.score),
			]
		})
		.collect();
	let entries = board
		.submissions
		.iter()
		.map(|e| {
			json!({
				"submission": e.submission,
				"trainer": e.trainer.to_string(),
				"committed_at": e.committed_at,
				"revealed": e.revealed,
				"score": score_text(&e.score),
				// The chain's rank: 0 is the best (the table shows places from 1).
				"rank": e.rank,
			})
		})
		.collect::<Vec<_>>();
	let head = if over {
		format!("bounty {id}: {phase} (block #{})", board.deadline)
	} else {
		format!("bounty {id}: {phase} until block #{}", board.deadline)
	};
	let text = if board.submissions.is_empty() {
		format!("{head}\nno submissions")
	} else {
		format!("{head}\n{}", table(&["place", "submission", "trainer", "committed", "revealed", "score"], rows))
	};
	Ok(Report::new(json!({ "bounty": id, "phase": phase, "deadline": board.deadline, "submissions": entries }), text))
}
