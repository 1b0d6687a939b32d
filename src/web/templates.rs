//! The one minijinja environment. Templates are compiled into the binary (one file to deploy,
//! nothing to find at run time) and HTML is autoescaped.

use minijinja::Environment;
use serde::Serialize;

pub struct Templates {
    env: Environment<'static>,
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("home.html", include_str!("../../templates/home.html")),
];

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes_html() {
        let t = Templates::new().unwrap();
        let rows = vec![minijinja::context! { state => "draft", label => "<b>草稿</b>", count => 1 }];
        let html = t.render("home.html", minijinja::context! { rows, total => 1 }).unwrap();
        assert!(html.contains("&lt;b&gt;草稿&lt;"), "{html}");
        assert!(!html.contains("<b>"));
    }
}
