//! G.711 μ-law and A-law (ITU-T G.711), the 8 kHz telephone formats a session may
//! use on the socket (`audio/pcmu`, `audio/pcma`). One byte per sample; these are
//! the standard segment tables written out as arithmetic.

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32_635;

pub fn ulaw_encode(sample: i16) -> u8 {
    let s = i32::from(sample);
    let sign = if s < 0 { 0x80 } else { 0 };
    let magnitude = s.abs().min(ULAW_CLIP) + ULAW_BIAS;
    // The segment is the position of the highest set bit above bit 7.
    let exponent = (31 - (magnitude as u32).leading_zeros() as i32 - 7).clamp(0, 7);
    let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

pub fn ulaw_decode(byte: u8) -> i16 {
    let b = !byte;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if b & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

pub fn alaw_encode(sample: i16) -> u8 {
    let s = i32::from(sample);
    let (sign, magnitude) = if s >= 0 {
        (0x80, s >> 3)
    } else {
        (0x00, (-s - 1).max(0) >> 3)
    };
    let magnitude = magnitude.min(0x0FFF);
    let byte = if magnitude < 32 {
        magnitude >> 1
    } else {
        let exponent = 31 - (magnitude as u32).leading_zeros() as i32 - 4;
        let mantissa = (magnitude >> exponent) & 0x0F;
        (exponent << 4) | mantissa
    };
    (sign | byte as u8) ^ 0x55
}

pub fn alaw_decode(byte: u8) -> i16 {
    let b = byte ^ 0x55;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if b & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worst_relative_error(enc: fn(i16) -> u8, dec: fn(u8) -> i16) -> f64 {
        let mut worst = 0.0f64;
        for s in (-32_000i32..32_000).step_by(7) {
            let back = f64::from(dec(enc(s as i16)));
            let err = (back - f64::from(s)).abs() / f64::from(s.abs().max(256));
            worst = worst.max(err);
        }
        worst
    }

    #[test]
    fn both_laws_round_trip_within_their_quantisation_step() {
        // A segment holds 16 steps, so the error stays within about 1/16 of the value.
        assert!(worst_relative_error(ulaw_encode, ulaw_decode) < 0.07);
        assert!(worst_relative_error(alaw_encode, alaw_decode) < 0.07);
    }

    #[test]
    fn known_codes_match_the_standard() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x00), -32_124);
        assert_eq!(ulaw_decode(0x80), 32_124);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x2A), -32_256);
        assert_eq!(alaw_decode(0xAA), 32_256);
    }

    #[test]
    fn every_code_decodes_and_re_encodes_to_itself() {
        for b in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(b)), b, "A-law {b:#x}");
            let u = ulaw_encode(ulaw_decode(b));
            // μ-law has two zeros (0x7F and 0xFF); both decode to 0.
            assert!(u == b || (b == 0x7F && u == 0xFF), "μ-law {b:#x} -> {u:#x}");
        }
    }
}
