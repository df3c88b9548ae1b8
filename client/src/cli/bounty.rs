//! `mlc bounty …`: list bounties, a bounty's status and leaderboard.

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

use super::{table, Ctx, Report};
use modelchain_client::{modelchain, units};

use modelchain::runtime_types::pallet_ml_bounties::types::{Phase, ScoreState};

#[derive(Debug, Subcommand)]
pub enum BountyCommand {
	/// Every bounty still on chain (ended ones stay for the retention period).
	List,
	/// A bounty's phase, deadline and leaderboard.
	Status {
		/// The bounty id.
		id: u32,
	},
}

pub async fn run(ctx: &mut Ctx, command: BountyCommand) -> anyhow::Result<Report> {
	match command {
		BountyCommand::List => list(ctx).await,
		BountyCommand::Status { id } => status(ctx, id).await,
	}
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
		.entries
		.iter()
		.map(|e| {
			vec![
				e.rank.map_or("-".into(), |r| r.to_string()),
				e.submission.to_string(),
				e.trainer.to_string(),
				format!("#{}", e.committed_at),
				if e.revealed { "yes" } else { "no" }.to_string(),
				score_text(&e.score),
			]
		})
		.collect();
	let entries = board
		.entries
		.iter()
		.map(|e| {
			json!({
				"submission": e.submission,
				"trainer": e.trainer.to_string(),
				"committed_at": e.committed_at,
				"revealed": e.revealed,
				"score": score_text(&e.score),
				"rank": e.rank,
			})
		})
		.collect::<Vec<_>>();
	let head = if over {
		format!("bounty {id}: {phase} (block #{})", board.deadline)
	} else {
		format!("bounty {id}: {phase} until block #{}", board.deadline)
	};
	let text = if board.entries.is_empty() {
		format!("{head}\nno submissions")
	} else {
		format!("{head}\n{}", table(&["rank", "submission", "trainer", "committed", "revealed", "score"], rows))
	};
	Ok(Report::new(json!({ "bounty": id, "phase": phase, "deadline": board.deadline, "entries": entries }), text))
}
