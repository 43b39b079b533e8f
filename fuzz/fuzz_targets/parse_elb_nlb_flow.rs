//! libFuzzer entry point; the body is [`fuzz::Target::run`], tested with the workspace.
#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| fuzz::Target::Parse(fuzz::DataType::ElbNlbFlow).run(data)
);
