//! Sound devices through cpal: listing them with their formats, and choosing one by
//! name or index.
//!
//! Two facts of Linux machines without a sound card (VMs, SSH, CI) shape this module:
//! cpal still reports a "default" device, so "no device" is only known once its
//! configuration or stream fails; and alsa-lib prints its complaints straight to
//! stderr, which would tear through the TUI. Every probe here therefore runs with
//! [`QuietAlsa`] held on the probing thread.

mod format;
mod quiet;

use cpal::traits::{DeviceTrait, HostTrait};

pub use format::{Capabilities, StreamFormat};
pub use quiet::QuietAlsa;

/// Capture or playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
}

impl Direction {
    fn noun(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }
}

/// One device as `rtconsole devices` shows it.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    /// Position in this direction's list: what `--input-device 2` refers to.
    pub index: usize,
    pub host: String,
    /// The backend's identifier, e.g. ALSA's `hw:CARD=0,DEV=0` or `default`.
    pub id: String,
    /// The human name, e.g. "HDA Intel PCH, ALC257 Analog".
    pub name: String,
    pub is_default: bool,
    /// What rtconsole would open, or why it cannot open it.
    pub default_format: Result<StreamFormat, String>,
    pub capabilities: Result<Capabilities, String>,
}

/// All hosts' inputs and outputs, plus what alsa-lib muttered while they were probed.
#[derive(Debug, Clone, Default)]
pub struct DeviceListing {
    pub hosts: Vec<String>,
    pub inputs: Vec<DeviceInfo>,
    pub outputs: Vec<DeviceInfo>,
    pub alsa_messages: String,
}

/// Why a device could not be chosen or opened.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DeviceError {
    #[error("no {} device matches {spec:?}; run `rtconsole devices` to list them (available: {})", direction.noun(), available.join(", "))]
    NotFound {
        direction: Direction,
        spec: String,
        available: Vec<String>,
    },
    #[error("{spec:?} matches several {} devices ({}); give the exact name or the index from `rtconsole devices`", direction.noun(), matches.join(", "))]
    Ambiguous {
        direction: Direction,
        spec: String,
        matches: Vec<String>,
    },
    #[error("{} device {name:?} cannot be used: {reason}", direction.noun())]
    Unusable {
        direction: Direction,
        name: String,
        reason: String,
    },
    /// The default device is missing or unusable: the normal case on machines without
    /// a sound card, where rtconsole carries on without this direction.
    #[error("{} ({reason})", no_device_label(*direction))]
    NoDevice {
        direction: Direction,
        reason: String,
    },
}

/// The words the UI and `rtconsole devices` use for a missing device.
pub fn no_device_label(direction: Direction) -> &'static str {
    match direction {
        Direction::Input => "no input device — text only",
        Direction::Output => "no output device — the model's audio is not played",
    }
}

/// A device ready to be opened with this format.
pub struct ChosenDevice {
    pub device: cpal::Device,
    /// The device's name as listed, for status lines.
    pub label: String,
    pub config: cpal::SupportedStreamConfig,
}

impl ChosenDevice {
    pub fn format(&self) -> StreamFormat {
        StreamFormat {
            rate: self.config.sample_rate(),
            channels: self.config.channels(),
            sample_format: self.config.sample_format(),
        }
    }
}

/// Lists every host's devices with what they support. Opens each device briefly to ask,
/// so it takes a few milliseconds per device; nothing reaches stderr.
pub fn list_devices() -> DeviceListing {
    let quiet = QuietAlsa::install();
    let mut listing = DeviceListing::default();
    for host_id in cpal::available_hosts() {
        listing.hosts.push(host_id.name().to_string());
    }
    for direction in [Direction::Input, Direction::Output] {
        let infos = candidates(direction)
            .into_iter()
            .enumerate()
            .map(|(index, c)| describe(index, direction, c))
            .collect();
        match direction {
            Direction::Input => listing.inputs = infos,
            Direction::Output => listing.outputs = infos,
        }
    }
    listing.alsa_messages = quiet.messages();
    listing
}

/// Chooses a device: `None` for the default, else an index from `rtconsole devices`,
/// an exact name or id, or a case-insensitive part of one. The caller must hold
/// [`QuietAlsa`] on this thread.
pub fn choose(direction: Direction, spec: Option<&str>) -> Result<ChosenDevice, DeviceError> {
    let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
        return choose_default(direction);
    };
    let all = candidates(direction);
    let picked = if let Ok(index) = spec.parse::<usize>() {
        all.into_iter().nth(index)
    } else {
        let names: Vec<(String, String)> =
            all.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
        match find_by_name(&names, spec) {
            Ok(i) => all.into_iter().nth(i),
            Err(matches) if matches.is_empty() => None,
            Err(matches) => {
                return Err(DeviceError::Ambiguous {
                    direction,
                    spec: spec.to_string(),
                    matches,
                })
            }
        }
    };
    let Some(c) = picked else {
        return Err(DeviceError::NotFound {
            direction,
            spec: spec.to_string(),
            available: candidates(direction)
                .iter()
                .enumerate()
                .map(|(i, c)| format!("[{i}] {}", c.id))
                .collect(),
        });
    };
    let config = default_config(&c.device, direction).map_err(|e| DeviceError::Unusable {
        direction,
        name: c.name.clone(),
        reason: e.to_string(),
    })?;
    Ok(ChosenDevice {
        device: c.device,
        label: c.name,
        config,
    })
}

fn choose_default(direction: Direction) -> Result<ChosenDevice, DeviceError> {
    let host = cpal::default_host();
    let device = match direction {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    };
    let Some(device) = device else {
        return Err(DeviceError::NoDevice {
            direction,
            reason: format!("the {} host reports none", host.id().name()),
        });
    };
    // cpal hands out a "default" device even without a sound card; only asking for its
    // configuration tells whether anything is behind it.
    let config = default_config(&device, direction).map_err(|e| DeviceError::NoDevice {
        direction,
        reason: e.to_string(),
    })?;
    Ok(ChosenDevice {
        label: device_id(&device).unwrap_or_else(|| "default".into()),
        device,
        config,
    })
}

/// Index of the one device `spec` names: exact id or name first, then the same ignoring
/// case, then a case-insensitive substring. `Err` holds the ambiguous matches (or none).
pub fn find_by_name(devices: &[(String, String)], spec: &str) -> Result<usize, Vec<String>> {
    let lower = spec.to_lowercase();
    let tiers: [&dyn Fn(&str) -> bool; 3] = [
        &|s: &str| s == spec,
        &|s: &str| s.to_lowercase() == lower,
        &|s: &str| s.to_lowercase().contains(&lower),
    ];
    for tier in tiers {
        let hits: Vec<usize> = (0..devices.len())
            .filter(|&i| tier(&devices[i].0) || tier(&devices[i].1))
            .collect();
        match hits.as_slice() {
            [] => continue,
            [one] => return Ok(*one),
            many => {
                return Err(many
                    .iter()
                    .map(|&i| format!("[{i}] {}", devices[i].0))
                    .collect())
            }
        }
    }
    Err(Vec::new())
}

struct Candidate {
    device: cpal::Device,
    host: String,
    id: String,
    name: String,
    is_default: bool,
}

/// Every host's devices for one direction, default first if a host lists it elsewhere
/// or not at all (ALSA's `default` is not always among its hints).
fn candidates(direction: Direction) -> Vec<Candidate> {
    let mut out = Vec::new();
    for host_id in cpal::available_hosts() {
        let Ok(host) = cpal::host_from_id(host_id) else {
            continue;
        };
        let default = match direction {
            Direction::Input => host.default_input_device(),
            Direction::Output => host.default_output_device(),
        };
        let default_id = default.as_ref().and_then(device_id);
        let listed: Vec<cpal::Device> = match direction {
            Direction::Input => host.input_devices().map(|d| d.collect()),
            Direction::Output => host.output_devices().map(|d| d.collect()),
        }
        .unwrap_or_default();
        let mut devices = Vec::new();
        if let Some(d) = default {
            devices.push(d);
        }
        devices.extend(
            listed
                .into_iter()
                .filter(|d| default_id.is_none() || device_id(d) != default_id),
        );
        for device in devices {
            let id = device_id(&device).unwrap_or_else(|| "?".into());
            let name = device
                .description()
                .map(|d| d.name().to_string())
                .unwrap_or_else(|_| id.clone());
            out.push(Candidate {
                is_default: Some(&id) == default_id.as_ref(),
                host: host_id.name().to_string(),
                id,
                name,
                device,
            });
        }
    }
    out
}

fn describe(index: usize, direction: Direction, c: Candidate) -> DeviceInfo {
    let default_format = default_config(&c.device, direction)
        .map(|cfg| StreamFormat {
            rate: cfg.sample_rate(),
            channels: cfg.channels(),
            sample_format: cfg.sample_format(),
        })
        .map_err(|e| e.to_string());
    let capabilities = match direction {
        Direction::Input => c
            .device
            .supported_input_configs()
            .map(Capabilities::from_ranges),
        Direction::Output => c
            .device
            .supported_output_configs()
            .map(Capabilities::from_ranges),
    }
    .map_err(|e| e.to_string());
    DeviceInfo {
        index,
        host: c.host,
        id: c.id,
        name: c.name,
        is_default: c.is_default,
        default_format,
        capabilities,
    }
}

fn default_config(
    device: &cpal::Device,
    direction: Direction,
) -> Result<cpal::SupportedStreamConfig, cpal::Error> {
    match direction {
        Direction::Input => device.default_input_config(),
        Direction::Output => device.default_output_config(),
    }
}

fn device_id(device: &cpal::Device) -> Option<String> {
    device.id().ok().map(|id| id.id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<(String, String)> {
        [
            ("default", "Default Audio Device"),
            ("hw:CARD=0,DEV=0", "HDA Intel PCH, ALC257 Analog"),
            ("plughw:CARD=0,DEV=0", "HDA Intel PCH, ALC257 Analog"),
            ("null", "Discard all samples"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    #[test]
    fn exact_names_win_over_substrings() {
        assert_eq!(find_by_name(&names(), "default"), Ok(0));
        assert_eq!(find_by_name(&names(), "NULL"), Ok(3));
        assert_eq!(find_by_name(&names(), "plughw:CARD=0,DEV=0"), Ok(2));
        assert_eq!(find_by_name(&names(), "discard"), Ok(3));
    }

    #[test]
    fn an_ambiguous_part_lists_the_candidates() {
        let err = find_by_name(&names(), "alc257").unwrap_err();
        assert_eq!(err, vec!["[1] hw:CARD=0,DEV=0", "[2] plughw:CARD=0,DEV=0"]);
        assert!(find_by_name(&names(), "usb headset")
            .unwrap_err()
            .is_empty());
    }

    #[test]
    fn no_device_says_text_only_with_the_reason() {
        let e = DeviceError::NoDevice {
            direction: Direction::Input,
            reason: "The requested audio device is not available.".into(),
        };
        assert_eq!(
            e.to_string(),
            "no input device — text only (The requested audio device is not available.)"
        );
    }
}
