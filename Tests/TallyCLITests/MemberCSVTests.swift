import Foundation
import TallyCore
import TallyTestSupport
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

/// The reader takes its input a block at a time: whatever the block size, it reads the same rows
/// and the same errors, with the same line numbers, as from one block.
@Suite struct MemberCSVBlockTests {
    @Test func sameRowsAndErrorsAsTheReferenceAtEveryBlockSize() {
        var random = SplitMix64(seed: 0xB10C)
        let limits = Limits(nameLengthMax: 10, credentialLengthMax: 12, chainLengthMax: 8)
        for round in 0..<5_000 {
            var bytes = [UInt8]()
            if random.next() % 10 == 0 { bytes += [0xEF, 0xBB, 0xBF] }
            bytes += Array(
                MemberCSVReferenceTests.headers[Int(random.next() % UInt64(MemberCSVReferenceTests.headers.count))].utf8
            )
            if random.next() % 8 != 0 { bytes.append(UInt8(ascii: "\n")) }
            for _ in 0..<(random.next() % 30) {
                bytes +=
                    MemberCSVReferenceTests.pieces[
                        Int(random.next() % UInt64(MemberCSVReferenceTests.pieces.count))]
            }
            let blockBytes = 1 + Int(random.next() % 9)
            let expected = Result { () throws(TallyError) in try ReferenceMemberCSV.parse(bytes, limits: limits) }
            let actual = Result { () throws(TallyError) in
                try MemberCSV.parse(bytes, limits: limits, blockBytes: blockBytes)
            }
            #expect(actual == expected, "round \(round), blocks of \(blockBytes): \(bytes)")
        }
    }

    /// A quoted field holding a line feed, a doubled quote and a comma, placed so that every
    /// block size splits it somewhere (between the two quotes of a doubled one too): the error
    /// names the same line at every size, and the quoted fields that are valid read the same.
    @Test func aQuotedFieldAcrossABlockBoundaryReadsAsInOneBlock() throws {
        let valid =
            "\u{FEFF}username,email\r\n\"Smith, \"\"Jo\"\"\",jo@example.com\r\n\"a\"\"b\"\"\",\"\"\n\nbob,\"b,c\"\n"
        let whole = try MemberCSV.parse(Array(valid.utf8), blockBytes: 1 << 16)
        #expect(
            whole == [
                Credentials(username: "Smith, \"Jo\"", email: "jo@example.com"), Credentials(username: "a\"b\""),
                Credentials(username: "bob", email: "b,c"),
            ])
        let broken = "username,email\nann,a@x\n\"Jo\nSmith\",j@x\ncid,c@x\n\"open\n"
        let error = #expect(throws: TallyError.self) { try MemberCSV.parse(Array(broken.utf8), blockBytes: 1 << 16) }
        #expect(error?.message == "CSV line 6: a quoted field is not closed.")
        let newline = "username,email\nann,a@x\n\"Jo\nSmith\",j@x\ncid,c@x\n"
        let control = #expect(throws: TallyError.self) {
            try MemberCSV.parse(Array(newline.utf8), blockBytes: 1 << 16)
        }
        #expect(control?.message == "CSV line 3: username must not contain control characters.")
        for blockBytes in 1...valid.utf8.count {
            #expect(try MemberCSV.parse(Array(valid.utf8), blockBytes: blockBytes) == whole, "blocks of \(blockBytes)")
            for (text, expected) in [(broken, error), (newline, control)] {
                let split = #expect(throws: TallyError.self) {
                    try MemberCSV.parse(Array(text.utf8), blockBytes: blockBytes)
                }
                #expect(split?.message == expected?.message, "blocks of \(blockBytes)")
            }
        }
    }

    /// Rows carry the line they start on, after blank lines, CRLF and a quoted field that runs
    /// over two lines, and come out in batches of the size asked for.
    @Test func rowsNameTheLineTheyStartOn() throws {
        let text = "username,wallet,wallet-name\r\n\r\nann,,\n\n\nbob,0xab,\"Meta\"\"Mask\"\ncid,,\ndan,,"
        for blockBytes in [1, 2, 3, 7, 1 << 16] {
            let rows = try MemberCSVBalanceTests.read(text, blockBytes: blockBytes, batch: 2)
            #expect(rows.map(\.line) == [3, 6, 7, 8], "blocks of \(blockBytes)")
            #expect(rows.map(\.credentials.username) == ["ann", "bob", "cid", "dan"])
            #expect(rows[1].credentials.walletName == "Meta\"Mask")
        }
    }
}

/// Balance columns: `balance:<currency name>`, one per currency of the realm.
@Suite struct MemberCSVBalanceTests {
    static let points = currency("Points", id: "0000000000000000000000c1")
    static let gems = currency("Gems", minimum: -10, maximum: 100, id: "0000000000000000000000c2")
    static let old = currency("Old", archived: true, id: "0000000000000000000000c3")
    static let currencies = [points, gems, old]

    static func currency(
        _ name: String, minimum: Int64 = 0, maximum: Int64? = nil, archived: Bool = false, id: String
    ) -> Currency {
        Currency(
            id: CurrencyID(id)!, realmID: RealmID("0123456789abcdef01234567")!, name: name, emoji: nil,
            isDefault: false, archivedAtMilliseconds: archived ? 1 : nil, minimumBalance: minimum,
            maximumBalance: maximum, isTransferable: true, createdAtMilliseconds: 0)
    }

    /// Every row of `text`, read `blockBytes` at a time and taken `batch` rows at a time.
    static func read(
        _ text: String, currencies: [Currency] = currencies, blockBytes: Int = MemberCSV.blockBytes, batch: Int = 5_000
    ) throws(TallyError) -> [MemberImport.Row] {
        let bytes = Array(text.utf8)
        var offset = 0
        let reader = MemberCSV.Reader(currencies: currencies, blockBytes: blockBytes) { count in
            guard offset < bytes.count else { return nil }
            let end = min(offset + count, bytes.count)
            defer { offset = end }
            return Data(bytes[offset..<end])
        }
        var rows = [MemberImport.Row]()
        while let taken = try reader.next(batch) {
            #expect(taken.count <= batch)
            rows += taken
        }
        return rows
    }

    func refusal(_ text: String) -> String? {
        let error = #expect(throws: TallyError.self) { try Self.read(text) }
        return error?.message
    }

    @Test func balanceColumnsNameCurrenciesWithoutRegardToCaseOrSpaces() throws {
        let rows = try Self.read("username, Balance: points ,balance:GEMS\nann,100,-5\nbob,,\ncid,+7, 0 \ndan,0,-0\n")
        #expect(rows.count == 4)
        #expect(rows[0].balances.map(\.currencyID) == [Self.points.id, Self.gems.id])
        #expect(rows[0].balances.map(\.amount) == [100, -5])
        #expect(rows[1].balances.isEmpty, "empty fields are no balance")
        #expect(rows[2].balances.map(\.amount) == [7] && rows[2].balances[0].currencyID == Self.points.id)
        #expect(rows[3].balances.isEmpty, "a balance of 0 is no balance")
        #expect(rows.map(\.credentials.username) == ["ann", "bob", "cid", "dan"])
    }

    @Test func theWidestBalancesReadAndOneMoreIsOutOfRange() throws {
        let wide = Self.currency("Wide", minimum: Int64.min, id: "0000000000000000000000c4")
        let rows = try Self.read(
            "username,balance:wide\na,9223372036854775807\nb,-9223372036854775808\n", currencies: [wide])
        #expect(rows.map { $0.balances.map(\.amount) } == [[Int64.max], [Int64.min]])
        for value in ["9223372036854775808", "-9223372036854775809", "99999999999999999999999"] {
            let error = #expect(throws: TallyError.self) {
                try Self.read("username,balance:wide\na,1\nb,\(value)\n", currencies: [wide])
            }
            #expect(
                error?.message
                    == "CSV line 3: the Wide balance '\(value)' is outside the range of a 64-bit integer (-9223372036854775808 to 9223372036854775807)."
            )
        }
    }

    @Test(arguments: ["12.5", "1e3", "abc", "--1", "+", "1 000", "0x10", "١٢"])
    func aBalanceThatIsNotAWholeNumberIsRefusedWithItsLine(value: String) {
        #expect(
            refusal("username,balance:Points\nann,1\nbob,\"\(value)\"\n")
                == "CSV line 3: the Points balance '\(value)' is not a whole number.")
    }

    @Test func aBalanceOutsideItsCurrencysRangeIsRefusedWithItsLine() {
        #expect(
            refusal("username,balance:points\nann,5\n\nbob,-1\n")
                == "CSV line 4: the Points balance is -1, outside currency Points's range 0 to unlimited.")
        #expect(
            refusal("username,balance:gems\nann,100\nbob,101\n")
                == "CSV line 3: the Gems balance is 101, outside currency Gems's range -10 to 100.")
        #expect(
            refusal("username,balance:gems\nann,-11\n")
                == "CSV line 2: the Gems balance is -11, outside currency Gems's range -10 to 100.")
    }

    @Test func theHeaderNamesCurrenciesOfTheRealmOnceEach() {
        #expect(
            refusal("username,balance:Stars\nann,1\n")
                == "CSV header (line 1) column 2 is 'balance:Stars', but the realm has no currency named 'Stars'; its currencies are: Points, Gems, Old."
        )
        let none = #expect(throws: TallyError.self) { try Self.read("balance:Points,username\n", currencies: []) }
        #expect(
            none?.message
                == "CSV header (line 1) column 1 is 'balance:Points', but the realm has no currency named 'Points'; the realm has no currencies."
        )
        #expect(refusal("username,balance:points,BALANCE:Points\n") == "CSV header names 'balance:Points' twice.")
        #expect(
            refusal("username,balance:old\nann,1\n")
                == "CSV header (line 1) column 2 is 'balance:old', but currency Old (0000000000000000000000c3) is archived; unarchive it to import balances in it."
        )
        let twin = Self.currency(" points", id: "0000000000000000000000c5")
        let twice = #expect(throws: TallyError.self) {
            try Self.read("username,balance:Points\n", currencies: Self.currencies + [twin])
        }
        #expect(
            twice?.message
                == "CSV header (line 1) column 2 is 'balance:Points', but the realm has 2 currencies named 'Points' (0000000000000000000000c1, 0000000000000000000000c5); rename all but one to import balances in it."
        )
    }

    /// The errors keep their precedence: a bad quote anywhere before a bad header, a bad header
    /// before a bad row, and the first bad row, of whatever kind, before a later one.
    @Test func errorsKeepTheirPrecedenceWithBalanceColumns() {
        #expect(
            refusal("username,balance:points\nann,-1\nbob,x\n\"open\n") == "CSV line 4: a quoted field is not closed.")
        #expect(
            refusal("username,balance:stars\nann,-1\n")?.hasPrefix("CSV header (line 1) column 2 is 'balance:stars'")
                == true)
        #expect(
            refusal("username,balance:points\nann,x\nbob,-1\n")
                == "CSV line 2: the Points balance 'x' is not a whole number.")
        #expect(
            refusal("username,balance:points\nann,-1\nbob,x\n")
                == "CSV line 2: the Points balance is -1, outside currency Points's range 0 to unlimited.")
        #expect(
            refusal("username,balance:points\nbad\u{1},-1\n")
                == "CSV line 2: username must not contain control characters.")
        #expect(refusal("username,balance:points\nann\n") == "CSV line 2 has 1 fields; the header has 2.")
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
