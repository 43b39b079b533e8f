//! The AWS partition a Region belongs to, for `AWS::Partition`, `AWS::URLSuffix` and S3 URLs.

/// An AWS partition, derived from a Region name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsCn,
    AwsUsGov,
}

impl Partition {
    /// `us-gov-*` is GovCloud, `cn-*` is China, every other Region is the commercial partition.
    pub fn of_region(region: &str) -> Self {
        if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else if region.starts_with("cn-") {
            Partition::AwsCn
        } else {
            Partition::Aws
        }
    }

    /// The value of `AWS::Partition`.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The value of `AWS::URLSuffix`: the domain of the partition's endpoints.
    pub fn url_suffix(self) -> &'static str {
        match self {
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_their_partition_and_domain() {
        for (region, partition, suffix) in [
            ("us-east-1", "aws", "amazonaws.com"),
            ("eu-west-2", "aws", "amazonaws.com"),
            ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
            ("cn-northwest-1", "aws-cn", "amazonaws.com.cn"),
        ] {
            let p = Partition::of_region(region);
            assert_eq!(p.as_str(), partition, "{region}");
            assert_eq!(p.url_suffix(), suffix, "{region}");
        }
    }
}
