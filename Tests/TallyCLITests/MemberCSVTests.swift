import Foundation
import TallyCore
import Testing

@testable import tally

@Suite struct MemberCSVTests {
    func parse(_ text: String) throws -> [Credentials] { try MemberCSV.parse(Array(text.utf8)) }

    @Test func headerInAnyOrderQuotesCRLFAndBOM() throws {
        let rows = try parse(
            "\u{FEFF}discord-id,username,email\r\n123,\"Smith, \"\"Jo\"\"\",jo@example.com\r\n\r\n456,bob,\n")
        #expect(rows.count == 2)
        #expect(rows[0] == Credentials(username: "Smith, \"Jo\"", discordId: "123", email: "jo@example.com"))
        #expect(rows[1] == Credentials(username: "bob", discordId: "456"))
    }

    @Test func quotedNewlinesAreKeptButControlCharactersRejected() {
        #expect(throws: TallyError.self) { try parse("username\n\"a\nb\"\n") }
    }

    @Test(arguments: [
        "", "name\nx\n", "username,username\na,b\n", "username\n\"open\n", "username,email\nonly-one\n",
        "username\nab\"c\n",
    ])
    func rejected(text: String) {
        #expect(throws: TallyError.self) { try parse(text) }
    }

    @Test func errorsNameTheLine() {
        let error = #expect(throws: TallyError.self) { try parse("username,email\na,b\nc\n") }
        #expect(error?.message.contains("line 3") == true)
    }
}

/// The parser and validation must give the same rows and the same errors as the straightforward
/// implementation they replaced, kept below as the reference, on inputs built from the bytes that
/// matter to CSV and to the checks.
@Suite struct MemberCSVReferenceTests {
    /// Bytes and short sequences that exercise quoting, line ends, control characters, non-ASCII
    /// text and the length limit.
    static let pieces: [[UInt8]] = [
        Array("a".utf8), Array("bc".utf8), Array("x@y.z".utf8), Array("12345".utf8), [UInt8(ascii: ",")],
        [UInt8(ascii: "\"")], Array("\"\"".utf8), [UInt8(ascii: "\n")], Array("\r\n".utf8), [UInt8(ascii: "\r")],
        [UInt8(ascii: " ")], [0x09], [0x01], [0x7F], Array("é".utf8), Array("e\u{301}".utf8), Array("😀".utf8),
        Array("\u{85}".utf8), [0xFF], Array("long-value".utf8),
    ]
    static let headers = [
        "username", "username,discord-id", "email,username,wallet", "Discord-ID , twitter-id", "username,bogus",
        "wallet,wallet", "", "username,discord-id,twitter-id,wallet,email",
    ]

    @Test func sameRowsAndErrorsAsTheReference() {
        var random = SplitMix64(seed: 0x7A11_7A11)
        let limits = Limits(credentialLengthMax: 12)
        for round in 0..<20_000 {
            var bytes = [UInt8]()
            if random.next() % 10 == 0 { bytes += [0xEF, 0xBB, 0xBF] }
            bytes += Array(Self.headers[Int(random.next() % UInt64(Self.headers.count))].utf8)
            if random.next() % 8 != 0 { bytes.append(UInt8(ascii: "\n")) }
            for _ in 0..<(random.next() % 30) { bytes += Self.pieces[Int(random.next() % UInt64(Self.pieces.count))] }
            let expected = Result { () throws(TallyError) in try ReferenceMemberCSV.parse(bytes, limits: limits) }
            let actual = Result { () throws(TallyError) in try MemberCSV.parse(bytes, limits: limits) }
            #expect(actual == expected, "round \(round): \(bytes)")
        }
    }

    @Test func quotedAndUnquotedFieldsCombineAsBefore() throws {
        for text in [
            "username\n\"a\"b\n", "username\n\"\"x\n", "username\na\rb\n", "username\n\"a\r\nb\"\n", "username\n\"\"\n",
            "username,email\n\"a,b\",\"c\"\"d\"\n", "username\nlast", "username\n\"last\"", "username\n\n\n",
            "username\r\nx\r\ny", "\u{FEFF}username\nx\n",
        ] {
            let bytes = Array(text.utf8)
            let expected = Result { () throws(TallyError) in try ReferenceMemberCSV.parse(bytes) }
            #expect(
                Result { () throws(TallyError) in try MemberCSV.parse(bytes) } == expected, "\(text.debugDescription)")
        }
    }

    @Test func aBadQuoteAnywhereComesBeforeTheHeaderAndTheRows() {
        let error = #expect(throws: TallyError.self) { try MemberCSV.parse(Array("bogus\na,b\n\"open\n".utf8)) }
        #expect(error?.message == "CSV line 3: a quoted field is not closed.")
        let header = #expect(throws: TallyError.self) { try MemberCSV.parse(Array("bogus\na,b\nc\n".utf8)) }
        #expect(header?.message.hasPrefix("CSV header column 1 is 'bogus'") == true)
    }

    @Test func validationAgreesWithTheReferenceOnEveryKindOfText() {
        let limits = Limits(credentialLengthMax: 6)
        var random = SplitMix64(seed: 42)
        let alphabet = [
            "a", "Z", "~", " ", "\u{7F}", "\u{1}", "\r\n", "\n", "é", "e\u{301}", "😀", "\u{85}", "\u{200B}",
        ]
        for _ in 0..<20_000 {
            var value = ""
            for _ in 0..<(random.next() % 9) { value += alphabet[Int(random.next() % UInt64(alphabet.count))] }
            let credentials = Credentials(username: value, email: random.next() % 2 == 0 ? "ok" : value)
            let expected = Result { () throws(TallyError) in
                try ReferenceMemberCSV.validated(credentials, limits: limits)
            }
            let actual = Result { () throws(TallyError) in try credentials.validated(limits: limits) }
            #expect(actual == expected, "\(value.debugDescription)")
        }
    }
}

/// A small deterministic generator, so that a failure can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The earlier parser and validation: a record list of string fields, then one pass over it.
enum ReferenceMemberCSV {
    static func validated(_ credentials: Credentials, limits: Limits) throws(TallyError) -> Credentials {
        var result = Credentials()
        for kind in Credentials.Kind.allCases {
            guard let value = credentials[kind], !value.isEmpty else { continue }
            guard value.count <= limits.credentialLengthMax else {
                throw .validation("\(kind.rawValue) must be at most \(limits.credentialLengthMax) characters.")
            }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .validation("\(kind.rawValue) must not contain control characters.")
            }
            result[kind] = value
        }
        return result
    }

    static func parse(_ bytes: [UInt8], limits: Limits = .standard) throws(TallyError) -> [Credentials] {
        var records = try records(bytes)
        guard !records.isEmpty else {
            throw .validation("The CSV is empty: it needs a header row such as 'username,discord-id'.")
        }
        let header = records.removeFirst()
        var kinds = [Credentials.Kind]()
        for (column, name) in header.fields.enumerated() {
            let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard let kind = Credentials.Kind(rawValue: trimmed) else {
                let known = Credentials.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw .validation("CSV header column \(column + 1) is '\(name)'; expected one of: \(known).")
            }
            guard !kinds.contains(kind) else { throw .validation("CSV header names '\(kind.rawValue)' twice.") }
            kinds.append(kind)
        }
        guard records.count <= MemberCSV.rowsMax else {
            throw .validation("The CSV has more than \(MemberCSV.rowsMax) rows.")
        }
        var result = [Credentials]()
        for record in records {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }
            guard record.fields.count == kinds.count else {
                throw .validation(
                    "CSV line \(record.line) has \(record.fields.count) fields; the header has \(kinds.count).")
            }
            var credentials = Credentials()
            for (kind, value) in zip(kinds, record.fields) { credentials[kind] = value }
            do {
                result.append(try validated(credentials, limits: limits))
            } catch {
                throw .validation("CSV line \(record.line): \(error.message)")
            }
        }
        return result
    }

    struct Record {
        var fields: [String]
        var line: Int
    }

    static func records(_ bytes: [UInt8]) throws(TallyError) -> [Record] {
        var records = [Record]()
        var fields = [String]()
        var field = [UInt8]()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var index = bytes.startIndex
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index += 3 }
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.endIndex && bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    guard field.isEmpty else {
                        throw .validation("CSV line \(line): a quote inside an unquoted field.")
                    }
                    inQuotes = true
                case UInt8(ascii: ","):
                    endField()
                case UInt8(ascii: "\r"):
                    break
                case UInt8(ascii: "\n"):
                    endField()
                    records.append(Record(fields: fields, line: recordLine))
                    fields.removeAll()
                    line += 1
                    recordLine = line
                default:
                    field.append(byte)
                }
            }
            index += 1
        }
        guard !inQuotes else { throw .validation("CSV line \(recordLine): a quoted field is not closed.") }
        if !field.isEmpty || !fields.isEmpty {
            endField()
            records.append(Record(fields: fields, line: recordLine))
        }
        return records
    }
}
