//! The Docker family's model: Dockerfiles parsed with spans, RUN commands analysed as
//! shell, and what each build stage has at each point.

pub mod build;
pub mod imports;
pub mod parser;
pub mod requirements;
pub mod shell;
