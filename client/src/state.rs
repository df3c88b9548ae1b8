//! What a bounty's requester and trainers must keep between their transactions: the salts of
//! their commitments and the blobs behind them. Without them nothing can be revealed, so they
//! are written to disk before the transaction that commits is sent, and renamed once the chain
//! gave the bounty or submission its id.
//!
//! Layout of a state directory (`mlc --state DIR`, default `./mlc-state`):
//! - `bounty-<id>-requester.json`: every chunk's index, salt and blob hash;
//! - `bounty-<id>-submission-<n>.json`: a trainer's salt and blob hash;
//! - `blob-<hash>.bin`: the blobs (data chunks and models), named by their hash.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// A committed data chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkState {
	/// Its index in the bounty.
	pub index: u32,
	/// The salt of its commitment (hex).
	pub salt: String,
	/// Its blob's hash (hex).
	pub blob_hash: String,
}

/// A requester's bounty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequesterState {
	/// The bounty (None until the chain gave it an id).
	pub bounty: Option<u32>,
	/// The requester's account (SS58).
	pub requester: String,
	/// Every committed chunk.
	pub chunks: Vec<ChunkState>,
}

/// A trainer's submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionState {
	/// The bounty.
	pub bounty: u32,
	/// The submission's index (None until the chain gave it one).
	pub submission: Option<u32>,
	/// The trainer's account (SS58).
	pub trainer: String,
	/// The salt of the commitment (hex).
	pub salt: String,
	/// The model blob's hash (hex).
	pub blob_hash: String,
}

/// A state directory.
pub struct StateDir(PathBuf);

impl StateDir {
	/// The directory (created if missing).
	pub fn open(path: impl AsRef<Path>) -> anyhow::Result<Self> {
		let path = path.as_ref();
		std::fs::create_dir_all(path).with_context(|| format!("creating the state directory {}", path.display()))?;
		Ok(StateDir(path.to_path_buf()))
	}

	/// Where it is.
	pub fn path(&self) -> &Path {
		&self.0
	}

	/// Stores a blob under its hash; returns the hash (hex).
	pub fn put_blob(&self, blob: &[u8]) -> anyhow::Result<String> {
		let hash = hex::encode(crate::commit::blob_hash(blob));
		let path = self.0.join(format!("blob-{hash}.bin"));
		if !path.exists() {
			write_atomic(&path, blob)?;
		}
		Ok(hash)
	}

	/// The blob of `hash` (hex), checked against its hash.
	pub fn blob(&self, hash: &str) -> anyhow::Result<Vec<u8>> {
		let path = self.0.join(format!("blob-{hash}.bin"));
		let blob = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
		anyhow::ensure!(
			hex::encode(crate::commit::blob_hash(&blob)) == hash,
			"{} was changed: its hash differs",
			path.display()
		);
		Ok(blob)
	}

	/// Writes `value` as `name` (JSON), atomically.
	pub fn save<T: Serialize>(&self, name: &str, value: &T) -> anyhow::Result<PathBuf> {
		let path = self.0.join(name);
		write_atomic(&path, serde_json::to_string_pretty(value)?.as_bytes())?;
		Ok(path)
	}

	/// Reads `name`, if it exists.
	pub fn load<T: for<'de> Deserialize<'de>>(&self, name: &str) -> anyhow::Result<Option<T>> {
		let path = self.0.join(name);
		match std::fs::read(&path) {
			Ok(bytes) => Ok(Some(
				serde_json::from_slice(&bytes).with_context(|| format!("{} is not valid state", path.display()))?,
			)),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
		}
	}

	/// Renames `from` to `to`.
	pub fn rename(&self, from: &str, to: &str) -> anyhow::Result<PathBuf> {
		let target = self.0.join(to);
		std::fs::rename(self.0.join(from), &target).with_context(|| format!("renaming state {from} to {to}"))?;
		Ok(target)
	}

	/// The names of the files starting with `prefix`.
	pub fn names(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
		let mut names: Vec<String> = std::fs::read_dir(&self.0)?
			.filter_map(|e| e.ok()?.file_name().into_string().ok())
			.filter(|n| n.starts_with(prefix) && n.ends_with(".json"))
			.collect();
		names.sort();
		Ok(names)
	}

	/// The requester state file of bounty `id`.
	pub fn requester_name(id: u32) -> String {
		format!("bounty-{id}-requester.json")
	}

	/// The submission state file of `submission` of bounty `id`.
	pub fn submission_name(id: u32, submission: u32) -> String {
		format!("bounty-{id}-submission-{submission}.json")
	}
}

/// Writes through a temporary file and a rename, so a crash never leaves half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
	let tmp = path.with_extension("tmp");
	std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
	std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// 32 bytes from hex.
pub fn bytes32(text: &str) -> anyhow::Result<[u8; 32]> {
	let bytes = hex::decode(text.trim_start_matches("0x")).with_context(|| format!("`{text}` is not hex"))?;
	bytes.try_into().map_err(|_| anyhow::anyhow!("`{text}` is not 32 bytes"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn state_round_trips_and_blobs_are_checked_against_their_hash() {
		let dir = std::env::temp_dir().join(format!("mlc-state-test-{}", std::process::id()));
		let state = StateDir::open(&dir).unwrap();
		let hash = state.put_blob(b"chunk").unwrap();
		assert_eq!(state.blob(&hash).unwrap(), b"chunk");
		let requester = RequesterState {
			bounty: Some(3),
			requester: "5Grw".into(),
			chunks: vec![ChunkState { index: 0, salt: hex::encode([1; 32]), blob_hash: hash.clone() }],
		};
		state.save(&StateDir::requester_name(3), &requester).unwrap();
		assert_eq!(state.load::<RequesterState>("bounty-3-requester.json").unwrap(), Some(requester));
		assert_eq!(state.load::<RequesterState>("bounty-4-requester.json").unwrap(), None);
		assert_eq!(state.names("bounty-3-").unwrap(), vec!["bounty-3-requester.json".to_string()]);
		std::fs::write(dir.join(format!("blob-{hash}.bin")), b"tampered").unwrap();
		assert!(state.blob(&hash).is_err());
		assert_eq!(bytes32(&hex::encode([9; 32])).unwrap(), [9; 32]);
		assert!(bytes32("00").is_err());
		std::fs::remove_dir_all(dir).unwrap();
	}
}
