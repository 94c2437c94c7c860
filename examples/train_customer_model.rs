//! Trains the built-in model for the standard customer schema
//! (`Model::customer`, used when a batch is too small to train on):
//!
//!     cargo run --release --features generate --example train_customer_model
//!
//! It trains on 200,000 generated customers (seed 7, default settings but
//! one household member in ten sharing a given name with the person
//! before, a generation apart, so that the household class knows fathers
//! and sons of one name) and
//! writes `src/dedupe/customer_model.json`. Training is deterministic, so
//! rerunning it after a change to comparison or training shows the change
//! as a diff of that file.

use custodia::Schema;
use custodia::dedupe::Deduper;
use custodia::dedupe::generate::Generator;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut generator = Generator::new(7);
    generator.juniors = 0.1;
    let data = generator.generate(200_000)?;
    let model = Deduper::new(&Schema::customer())?.train(&data.records, &[])?;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/dedupe/customer_model.json"
    );
    std::fs::write(path, model.to_json() + "\n")?;
    println!("wrote {path}");
    Ok(())
}
