/// A strict reader of the Prometheus text exposition format, version 0.0.4, for the tests that
/// scrape `/metrics`: it parses every line by the format's grammar and refuses anything else,
/// rather than picking numbers out with a pattern.
///
/// What it checks, from the format's description:
/// - lines end in `\n`, the last one too; empty lines are ignored;
/// - `# HELP name text` and `# TYPE name type` (counter, gauge, histogram, summary, untyped) name
///   a valid metric name; one TYPE per family, before its first sample; other `#` lines are
///   comments;
/// - a sample is `name{label="value",...} value [timestamp]`: names `[a-zA-Z_:][a-zA-Z0-9_:]*`,
///   label names `[a-zA-Z_][a-zA-Z0-9_]*` (not starting `__`), values in double quotes with only
///   the escapes `\\`, `\"` and `\n`, no label twice; the value a float (`NaN`, `+Inf`, `-Inf`
///   allowed), the timestamp an integer;
/// - a family's samples come in one group, and no series (name and label set) appears twice;
/// - a counter's samples are non-negative; a histogram has only `_bucket` (with `le`), `_sum` and
///   `_count` samples, and for each label set cumulative buckets ending at `le="+Inf"` whose
///   count equals `_count`.
public enum PrometheusText {
    public struct Sample: Sendable, Equatable {
        public let name: String
        public let labels: [String: String]
        public let value: Double
    }

    public struct Family: Sendable {
        public let name: String
        public let type: String
        public internal(set) var samples: [Sample]
    }

    public struct Malformed: Error, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The families of `text`, in order, or `Malformed` naming the first line that breaks the format.
    public static func parse(_ text: String) throws(Malformed) -> [Family] {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Malformed(line: 0, reason: "no final line feed") }
        var families = [Family]()
        var typed = [String: String]()
        var helped = Set<String>()
        var finished = Set<String>()
        var series = Set<String>()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = String(raw)
            func fail(_ reason: String) -> Malformed { Malformed(line: number, reason: "\(reason): \(line)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 2, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else { continue }
                guard parts.count >= 3, isMetricName(parts[2]) else {
                    throw fail("a \(parts[1]) line without a valid name")
                }
                let name = String(parts[2])
                if parts[1] == "HELP" {
                    guard !helped.contains(name) else { throw fail("a second HELP for \(name)") }
                    guard parts.count == 3 || validEscapes(parts[3], quote: false) else {
                        throw fail("a malformed HELP")
                    }
                    helped.insert(name)
                } else {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                    else { throw fail("an unknown type") }
                    guard typed[name] == nil else { throw fail("a second TYPE for \(name)") }
                    guard !families.contains(where: { $0.name == name }) else {
                        throw fail("a TYPE after the samples of \(name)")
                    }
                    typed[name] = String(parts[3])
                }
                continue
            }
            let sample = try parseSample(line, fail: fail)
            let family = familyName(of: sample.name, typed: typed)
            if families.last?.name != family {
                guard !finished.contains(family) else { throw fail("the samples of \(family) are not in one group") }
                if let last = families.last { finished.insert(last.name) }
                families.append(Family(name: family, type: typed[family] ?? "untyped", samples: []))
            }
            let key =
                sample.name + "{"
                + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ",") + "}"
            guard series.insert(key).inserted else { throw fail("the series \(key) twice") }
            families[families.count - 1].samples.append(sample)
        }
        for family in families {
            switch family.type {
            case "counter":
                if let sample = family.samples.first(where: { !($0.value >= 0) }) {
                    throw Malformed(line: 0, reason: "counter \(sample.name) is \(sample.value)")
                }
            case "histogram": try checkHistogram(family)
            default: break
            }
        }
        return families
    }

    /// The family a sample belongs to: its own name, or for a histogram's or summary's samples the
    /// name before `_bucket`, `_sum` or `_count`.
    static func familyName(of name: String, typed: [String: String]) -> String {
        if typed[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let type = typed[base], type == "histogram" || (type == "summary" && suffix != "_bucket") {
                return base
            }
        }
        return name
    }

    static func parseSample(_ line: String, fail: (String) -> Malformed) throws(Malformed) -> Sample {
        let scalars = Array(line.unicodeScalars)
        var i = 0
        var name = ""
        while i < scalars.count, scalars[i] != "{", scalars[i] != " " {
            name.unicodeScalars.append(scalars[i])
            i += 1
        }
        guard isMetricName(Substring(name)) else { throw fail("an invalid metric name") }
        var labels = [String: String]()
        if i < scalars.count, scalars[i] == "{" {
            i += 1
            while true {
                guard i < scalars.count else { throw fail("an unterminated label set") }
                if scalars[i] == "}" {
                    i += 1
                    break
                }
                var label = ""
                while i < scalars.count, scalars[i] != "=" {
                    label.unicodeScalars.append(scalars[i])
                    i += 1
                }
                guard isLabelName(Substring(label)) else { throw fail("an invalid label name \"\(label)\"") }
                guard i + 1 < scalars.count, scalars[i] == "=", scalars[i + 1] == "\"" else {
                    throw fail("a label without a quoted value")
                }
                i += 2
                var value = ""
                while true {
                    guard i < scalars.count else { throw fail("an unterminated label value") }
                    let c = scalars[i]
                    if c == "\"" { break }
                    if c == "\\" {
                        guard i + 1 < scalars.count else { throw fail("an unterminated escape") }
                        switch scalars[i + 1] {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw fail("an invalid escape in a label value")
                        }
                        i += 2
                        continue
                    }
                    value.unicodeScalars.append(c)
                    i += 1
                }
                i += 1
                guard labels.updateValue(value, forKey: label) == nil else { throw fail("the label \(label) twice") }
                guard i < scalars.count else { throw fail("an unterminated label set") }
                if scalars[i] == "," {
                    i += 1
                } else if scalars[i] != "}" {
                    throw fail("a label not followed by , or }")
                }
            }
        }
        let rest = String(String.UnicodeScalarView(scalars[i...]))
        guard rest.hasPrefix(" ") else { throw fail("no space before the value") }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 1 || fields.count == 2, let value = parseValue(fields[0]) else {
            throw fail("a malformed value")
        }
        if fields.count == 2 {
            let digits = fields[1].hasPrefix("-") ? fields[1].dropFirst() : fields[1]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), Int64(fields[1]) != nil else {
                throw fail("a malformed timestamp")
            }
        }
        return Sample(name: name, labels: labels, value: value)
    }

    static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            // Digits, a sign, a point and an exponent only: Double's own parser also takes hex
            // floats and words that the format does not.
            guard !text.isEmpty, text.allSatisfy({ $0.isASCIIDigit || "+-.eE".contains($0) }),
                text.contains(where: \.isASCIIDigit)
            else { return nil }
            return Double(text)
        }
    }

    static func checkHistogram(_ family: Family) throws(Malformed) {
        var buckets = [String: [(le: Double, count: Double)]]()
        var counts = [String: Double]()
        var sums = Set<String>()
        for sample in family.samples {
            var labels = sample.labels
            let le = labels.removeValue(forKey: "le")
            let key = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            switch sample.name {
            case family.name + "_bucket":
                guard let le, let bound = parseValue(Substring(le)) else {
                    throw Malformed(line: 0, reason: "\(family.name) has a bucket without a valid le")
                }
                buckets[key, default: []].append((bound, sample.value))
            case family.name + "_count" where le == nil: counts[key] = sample.value
            case family.name + "_sum" where le == nil: sums.insert(key)
            default: throw Malformed(line: 0, reason: "\(sample.name) does not belong to histogram \(family.name)")
            }
        }
        for (key, series) in buckets {
            guard let last = series.last, last.le == .infinity else {
                throw Malformed(line: 0, reason: "\(family.name){\(key)} has no +Inf bucket")
            }
            for (a, b) in zip(series, series.dropFirst()) where !(a.le < b.le && a.count <= b.count) {
                throw Malformed(line: 0, reason: "\(family.name){\(key)} buckets are not cumulative")
            }
            guard counts[key] == last.count, sums.contains(key) else {
                throw Malformed(line: 0, reason: "\(family.name){\(key)} lacks a _count equal to +Inf, or a _sum")
            }
        }
        guard Set(counts.keys) == Set(buckets.keys) else {
            throw Malformed(line: 0, reason: "\(family.name) has a _count without buckets")
        }
    }

    static func isMetricName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCIILetter || first == "_", !name.hasPrefix("__") else { return false }
        return name.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }

    /// Whether every backslash of `text` starts `\\` or `\n` (or `\"` in a label value).
    static func validEscapes(_ text: Substring, quote: Bool) -> Bool {
        var escaped = false
        for c in text {
            if escaped {
                guard c == "\\" || c == "n" || (quote && c == "\"") else { return false }
                escaped = false
            } else if c == "\\" {
                escaped = true
            }
        }
        return !escaped
    }
}

extension [PrometheusText.Family] {
    /// The samples named `name` whose labels include `labels`.
    public func samples(_ name: String, _ labels: [String: String] = [:]) -> [PrometheusText.Sample] {
        flatMap(\.samples).filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The sum of the samples named `name` whose labels include `labels` (0 when there are none).
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples(name, labels).reduce(0) { $0 + $1.value }
    }

    /// Every label value of every sample.
    public var labelValues: [String] { flatMap(\.samples).flatMap { $0.labels.values } }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
