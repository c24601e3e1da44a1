import DocketCore

/// The step types that ship with Docket, for the command-line tool to register.
public enum BuiltinSteps {
    public static let all: [any Step] = [
        RenderStep(), InputStep(), CollectFilesStep(), DraftConsultationStep(), CommitteeReviewStep(), VoteStep(), IssueAnswerStep(), ReportStep(),
    ]

    /// A registry holding the built-ins.
    public static func registry() -> StepRegistry {
        var registry = StepRegistry()
        // The built-ins have distinct names: a clash here is a programming error.
        for step in all { try! registry.register(step) }
        return registry
    }
}
