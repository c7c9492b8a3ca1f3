//! `rtconsole devices`: the sound devices rtconsole can use, their formats, and an
//! honest word about the defaults, which on a machine without a sound card exist on
//! paper only.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::audio::devices::{list_devices, no_device_label, DeviceInfo, DeviceListing, Direction};

/// Prints the listing. Having no usable device is a normal state (text-only sessions
/// work), so it exits 0; only failing to write stdout is an error.
pub fn run() -> ExitCode {
    let listing = list_devices();
    let mut out = io::stdout().lock();
    match write_listing(&mut out, &listing).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtconsole devices: cannot write the listing: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the listing as `rtconsole devices` shows it.
pub fn write_listing(out: &mut impl Write, listing: &DeviceListing) -> io::Result<()> {
    let hosts = if listing.hosts.is_empty() {
        "none".to_string()
    } else {
        listing.hosts.join(", ")
    };
    writeln!(out, "audio hosts: {hosts}")?;
    for (direction, devices) in [
        (Direction::Input, &listing.inputs),
        (Direction::Output, &listing.outputs),
    ] {
        let title = match direction {
            Direction::Input => "inputs (--input-device NAME|INDEX)",
            Direction::Output => "outputs (--output-device NAME|INDEX)",
        };
        writeln!(out, "\n{title}:")?;
        if devices.is_empty() {
            writeln!(out, "  (none)")?;
        }
        for d in devices {
            write_device(out, d)?;
        }
        writeln!(out, "  → {}", default_verdict(direction, devices))?;
    }
    if listing.alsa_messages.contains("cannot find card") {
        writeln!(
            out,
            "\nalsa-lib finds no sound card here (its messages were caught, not printed):\n\
             sessions run text only; WAV files still work as input and output."
        )?;
    }
    if listing
        .inputs
        .iter()
        .chain(&listing.outputs)
        .any(|d| d.id == "null")
    {
        writeln!(
            out,
            "\n`null` discards audio and records zeros with no clock of its own; if chosen,\n\
             rtconsole notices within 2 s and falls back to its own 20 ms clock."
        )?;
    }
    Ok(())
}

fn write_device(out: &mut impl Write, d: &DeviceInfo) -> io::Result<()> {
    let default = if d.is_default { "  [default]" } else { "" };
    let name = if d.name == d.id {
        String::new()
    } else {
        format!(" — {}", d.name)
    };
    writeln!(
        out,
        "  {:>2}  {} ({}){name}{default}",
        d.index, d.id, d.host
    )?;
    match (&d.default_format, &d.capabilities) {
        (Ok(f), Ok(caps)) => {
            writeln!(out, "      opens as {f}")?;
            writeln!(out, "      supports {caps}")
        }
        (Ok(f), Err(_)) => writeln!(out, "      opens as {f}"),
        (Err(e), Ok(caps)) if !caps.formats.is_empty() => {
            writeln!(out, "      supports {caps}, but has no default format: {e}")
        }
        (Err(e), _) => writeln!(out, "      not usable: {e}"),
    }
}

/// What rtconsole will do with this direction when no device is named.
fn default_verdict(direction: Direction, devices: &[DeviceInfo]) -> String {
    let noun = match direction {
        Direction::Input => "input",
        Direction::Output => "output",
    };
    match devices.iter().find(|d| d.is_default) {
        Some(d) => match &d.default_format {
            Ok(f) => format!("default {noun}: {} ({f})", d.id),
            Err(e) => format!(
                "default {noun} {:?} is not usable: {}: {e}",
                d.id,
                no_device_label(direction)
            ),
        },
        None => format!("no default {noun}: {}", no_device_label(direction)),
    }
}
