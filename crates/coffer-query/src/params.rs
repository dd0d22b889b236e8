//! Query-protocol parameters, from the query string and the form-encoded body, including
//! AWS's list encoding (`Tags.member.1.Key`).

use coffer_meta::IamTag;

use crate::error::QueryError;

pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Parameters of `query` then `form` (a body of `application/x-www-form-urlencoded`).
    pub(crate) fn parse(query: &str, form: &[u8]) -> Self {
        let mut all: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        all.extend(form_urlencoded::parse(form).into_owned());
        Self(all)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn required(&self, name: &str) -> Result<&str, QueryError> {
        self.get(name)
            .ok_or_else(|| QueryError::MissingParameter(name.to_owned()))
    }

    /// `MaxItems` as a number; a value that is not one is a validation error.
    pub(crate) fn max_items(&self) -> Result<Option<u32>, QueryError> {
        self.get("MaxItems")
            .map(|v| {
                v.parse().map_err(|_| {
                    QueryError::Iam(coffer_iam::IamError::ValidationError(format!(
                        "1 validation error detected: Value '{v}' at 'maxItems' failed to satisfy constraint: \
                         Member must have value between 1 and 1000"
                    )))
                })
            })
            .transpose()
    }

    /// The members of list `name` (`name.member.1`, `name.member.2`, ...), in order.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        (1..)
            .map_while(|i| self.get(&format!("{name}.member.{i}")).map(str::to_owned))
            .collect()
    }

    /// Tags given as `name.member.N.Key` / `.Value`.
    pub(crate) fn tags(&self, name: &str) -> Vec<IamTag> {
        (1..)
            .map_while(|i| {
                let key = self.get(&format!("{name}.member.{i}.Key"))?;
                let value = self.get(&format!("{name}.member.{i}.Value")).unwrap_or_default();
                Some(IamTag {
                    key: key.to_owned(),
                    value: value.to_owned(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_tags() {
        let p = Params::parse(
            "Action=TagUser",
            b"UserName=a%2Bb&Tags.member.1.Key=team&Tags.member.1.Value=x+y&Tags.member.2.Key=k&TagKeys.member.1=t1&TagKeys.member.2=t2",
        );
        assert_eq!(p.get("Action"), Some("TagUser"));
        assert_eq!(p.get("UserName"), Some("a+b"));
        assert_eq!(p.list("TagKeys"), ["t1", "t2"]);
        let tags = p.tags("Tags");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].value, "x y");
        assert_eq!(tags[1].value, "");
    }
}
