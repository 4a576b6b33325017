import Foundation
import Logging
import Synchronization
import TallyHTTP
import Testing

/// The JSON log format: every line one JSON object, whatever the message and metadata hold.
struct JSONLogHandlerTests {
    @Test func everyLineIsOneJSONObjectWithTypedValues() throws {
        let written = Mutex<[[UInt8]]>([])
        var logger = Logger(label: "tally") { label in
            JSONLogHandler(label: label) { line in written.withLock { $0.append(line) } }
        }
        logger.logLevel = .debug
        logger[metadataKey: "requestId"] = "abc"
        logger.debug("quote \" backslash \\ newline \n tab \t bell \u{07} del \u{7F} é 😀")
        logger.info(
            "request",
            metadata: [
                "status": .stringConvertible(404), "durationMs": .stringConvertible(1.25),
                "ok": .stringConvertible(true), "route": "/api/v1/realms/{realmId}",
                "message": "a metadata key named like a fixed field",
                "nested": ["list": [.stringConvertible(1), "two"]],
                "nan": .stringConvertible(Double.nan),
            ])
        logger.trace("below the level: not written")
        let lines = written.withLock { $0 }
        try #require(lines.count == 2)
        for line in lines {
            #expect(line.last == UInt8(ascii: "\n"))
            #expect(line.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") }, "one line")
        }
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
        #expect(
            objects[0]["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07} del \u{7F} é 😀")
        #expect(objects[0]["level"] as? String == "debug")
        #expect(objects[0]["label"] as? String == "tally")
        #expect(objects[0]["requestId"] as? String == "abc")
        let time = try #require(objects[0]["time"] as? String)
        #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
        let request = objects[1]
        #expect(request["message"] as? String == "request")
        #expect(request["_message"] as? String == "a metadata key named like a fixed field")
        #expect((request["status"] as? NSNumber)?.intValue == 404)
        #expect((request["durationMs"] as? NSNumber)?.doubleValue == 1.25)
        #expect(request["ok"] as? Bool == true)
        #expect(request["route"] as? String == "/api/v1/realms/{realmId}")
        #expect(request["nan"] as? String == "nan")
        let nested = try #require(request["nested"] as? [String: Any])
        #expect((nested["list"] as? [Any])?.count == 2)
    }
}
