//! The JUnit XML report a CI system reads: a `testsuite` per script, a `testcase`
//! per run, a `failure` for a failed expectation (its line and message) and an
//! `error` for a run that never reached a verdict. Written with quick-xml, which
//! escapes attribute values and text; characters XML 1.0 cannot hold are dropped.

use std::io::Write;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::record::{RunRecord, Verdict};
use super::tally::ScriptTally;
use crate::session::summary::one_line;

pub fn render(tallies: &[ScriptTally]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_all(&mut w, tallies).expect("writing to memory does not fail");
    String::from_utf8(w.into_inner()).expect("quick-xml writes UTF-8")
}

type Xml = Writer<Vec<u8>>;

fn write_all(w: &mut Xml, tallies: &[ScriptTally]) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let count = |v: Verdict| tallies.iter().map(|t| t.count(v)).sum::<usize>();
    let tests: usize = tallies.iter().map(|t| t.runs.len()).sum();
    let time: f64 = tallies.iter().map(total_seconds).sum();
    let root = BytesStart::new("testsuites").with_attributes([
        ("name", "rtconsole run"),
        ("tests", tests.to_string().as_str()),
        ("failures", count(Verdict::Failed).to_string().as_str()),
        ("errors", count(Verdict::Error).to_string().as_str()),
        ("time", format!("{time:.3}").as_str()),
    ]);
    w.write_event(Event::Start(root))?;
    for t in tallies {
        write_suite(w, t)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    w.get_mut().write_all(b"\n")
}

fn total_seconds(t: &ScriptTally) -> f64 {
    t.runs.iter().map(|r| r.duration_ms).sum::<f64>() / 1e3
}

fn write_suite(w: &mut Xml, t: &ScriptTally) -> std::io::Result<()> {
    let name = clean(&t.script);
    let suite = BytesStart::new("testsuite").with_attributes([
        ("name", name.as_str()),
        ("tests", t.runs.len().to_string().as_str()),
        ("failures", t.count(Verdict::Failed).to_string().as_str()),
        ("errors", t.count(Verdict::Error).to_string().as_str()),
        ("skipped", "0"),
        ("time", format!("{:.3}", total_seconds(t)).as_str()),
    ]);
    w.write_event(Event::Start(suite))?;
    // The pass rate and metric percentiles, for CI systems that chart properties.
    w.write_event(Event::Start(BytesStart::new("properties")))?;
    let mut props = vec![("pass_rate".to_string(), format!("{:.4}", t.pass_rate()))];
    for (metric, s) in &t.metrics {
        props.push((format!("{metric}.p50_ms"), format!("{:.1}", s.p50)));
        props.push((format!("{metric}.p95_ms"), format!("{:.1}", s.p95)));
        props.push((format!("{metric}.max_ms"), format!("{:.1}", s.max)));
    }
    for (k, v) in &props {
        let p = BytesStart::new("property")
            .with_attributes([("name", clean(k).as_str()), ("value", v.as_str())]);
        w.write_event(Event::Empty(p))?;
    }
    w.write_event(Event::End(BytesEnd::new("properties")))?;
    for r in &t.runs {
        write_case(w, &name, r)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
}

fn write_case(w: &mut Xml, suite: &str, r: &RunRecord) -> std::io::Result<()> {
    let case = BytesStart::new("testcase").with_attributes([
        ("name", format!("run {}", r.run).as_str()),
        ("classname", suite),
        ("time", format!("{:.3}", r.duration_ms / 1e3).as_str()),
    ]);
    let Some(f) = r.failure.as_ref().filter(|_| r.verdict != Verdict::Passed) else {
        return w.write_event(Event::Empty(case));
    };
    w.write_event(Event::Start(case))?;
    let (tag, kind) = match r.verdict {
        Verdict::Error => ("error", "connection"),
        _ => ("failure", "expectation"),
    };
    let message = clean(&one_line(&format!("{}: {}", f.headline(), f.message), 400));
    let el = BytesStart::new(tag).with_attributes([("message", message.as_str()), ("type", kind)]);
    w.write_event(Event::Start(el))?;
    let mut body = format!(
        "{}\n  got: {}",
        f.headline(),
        f.message.replace('\n', "\n       ")
    );
    for note in &r.notes {
        body.push_str(&format!("\nnote: {note}"));
    }
    w.write_event(Event::Text(BytesText::new(&clean(&body))))?;
    w.write_event(Event::End(BytesEnd::new(tag)))?;
    if let Some(p) = &r.recording {
        w.write_event(Event::Start(BytesStart::new("system-out")))?;
        let text = format!("recording: {}", p.display());
        w.write_event(Event::Text(BytesText::new(&clean(&text))))?;
        w.write_event(Event::End(BytesEnd::new("system-out")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))
}

/// Only characters XML 1.0 allows (a stray control byte in a server's message
/// would make the whole file unreadable).
fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::record::RunFailure;
    use super::*;

    #[test]
    fn markup_and_control_characters_in_messages_stay_well_formed() {
        let failed = RunRecord {
            run: 2,
            verdict: Verdict::Failed,
            duration_ms: 1500.0,
            steps_run: 1,
            steps_total: 2,
            failure: Some(RunFailure {
                line: 3,
                step: "expect response.output_text.done text~/<b>&\"it's\"/".into(),
                message: "got \u{1b}[31m</failure>]]>\nsecond line".into(),
            }),
            notes: vec!["a & b".into()],
            recording: None,
            metrics: vec![],
        };
        let passed = RunRecord {
            run: 1,
            verdict: Verdict::Passed,
            failure: None,
            ..failed.clone()
        };
        let steps = [(3, "expect …".to_string())];
        let t = ScriptTally::new("dir/<odd> & name.rtc".into(), &steps, vec![failed, passed]);
        let xml = render(&[t]);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(suite.attribute("name"), Some("dir/<odd> & name.rtc"));
        assert_eq!(
            (suite.attribute("tests"), suite.attribute("failures")),
            (Some("2"), Some("1"))
        );
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        let message = failure.attribute("message").unwrap();
        // One line, with the escape byte shown rather than written.
        assert!(
            message
                .starts_with("line 3: expect response.output_text.done text~/<b>&\"it's\"/: got ")
                && message.contains("</failure>]]>")
                && !message.contains('\u{1b}')
                && !message.contains('\n'),
            "{message}"
        );
        let body = failure.text().unwrap();
        assert!(
            body.contains("second line") && body.contains("note: a & b"),
            "{body}"
        );
        let times: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| n.attribute("time").unwrap())
            .collect();
        assert_eq!(times, ["1.500", "1.500"]);
    }
}
