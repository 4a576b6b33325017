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

    @Test func aWalletsChainAndNameHaveColumnsOfTheirOwn() throws {
        let rows = try parse("wallet,Wallet-Chain,wallet-name,email\n7EcD,solana,phantom,a@x\n0xAB,,,\n")
        #expect(rows[0] == Credentials(wallet: "7EcD", email: "a@x", walletChain: "solana", walletName: "phantom"))
        #expect(rows[1] == Credentials(wallet: "0xAB"))
        let orphan = #expect(throws: TallyError.self) { try parse("email,wallet-chain\na@x,solana\n") }
        #expect(orphan?.message == "CSV line 2: wallet-chain describes a wallet, so it needs a wallet.")
        let twice = #expect(throws: TallyError.self) { try parse("wallet,wallet-name,wallet-name\n") }
        #expect(twice?.message == "CSV header names 'wallet-name' twice.")
        let unknown = #expect(throws: TallyError.self) { try parse("chain\nx\n") }
        #expect(
            unknown?.message
                == "CSV header column 1 is 'chain'; expected one of: username, discord-id, twitter-id, wallet, email, wallet-chain, wallet-name."
        )
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
        "wallet,wallet", "", "username,discord-id,twitter-id,wallet,email", "wallet,wallet-chain",
        "Wallet-Name , email,wallet", "wallet-chain,wallet-name,wallet",
    ]

    @Test func sameRowsAndErrorsAsTheReference() {
        var random = SplitMix64(seed: 0x7A11_7A11)
        let limits = Limits(nameLengthMax: 10, credentialLengthMax: 12, chainLengthMax: 8)
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
        for (field, value, lengthMax) in [
            ("wallet-chain", credentials.walletChain, limits.chainLengthMax),
            ("wallet-name", credentials.walletName, limits.nameLengthMax),
        ] {
            guard let value, !value.isEmpty else { continue }
            guard value.count <= lengthMax else {
                throw .validation("\(field) must be at most \(lengthMax) characters.")
            }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .validation("\(field) must not contain control characters.")
            }
            guard result.wallet != nil else { throw .validation("\(field) describes a wallet, so it needs a wallet.") }
            if field == "wallet-chain" { result.walletChain = value } else { result.walletName = value }
        }
        return result
    }

    static let columns = Credentials.Kind.allCases.map(\.rawValue) + ["wallet-chain", "wallet-name"]

    static func parse(_ bytes: [UInt8], limits: Limits = .standard) throws(TallyError) -> [Credentials] {
        var records = try records(bytes)
        guard !records.isEmpty else {
            throw .validation("The CSV is empty: it needs a header row such as 'username,discord-id'.")
        }
        let header = records.removeFirst()
        var kinds = [String]()
        for (column, name) in header.fields.enumerated() {
            let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard columns.contains(trimmed) else {
                let known = columns.joined(separator: ", ")
                throw .validation("CSV header column \(column + 1) is '\(name)'; expected one of: \(known).")
            }
            guard !kinds.contains(trimmed) else { throw .validation("CSV header names '\(trimmed)' twice.") }
            kinds.append(trimmed)
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
            for (column, value) in zip(kinds, record.fields) {
                switch column {
                case "wallet-chain": credentials.walletChain = value
                case "wallet-name": credentials.walletName = value
                default: credentials[Credentials.Kind(rawValue: column)!] = value
                }
            }
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
