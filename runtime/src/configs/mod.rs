//! Pallet configurations, one file per pallet group.

pub mod consensus;
pub mod governance;
pub mod ml;
pub mod monetary;
pub mod periods;
pub mod storage;
pub mod system;
